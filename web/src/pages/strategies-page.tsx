import { useState } from 'preact/hooks';
import type { Market, Signal, Strategy, StrategyRule } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { useStrategiesAndMarkets } from '../components/hooks';
import { injectPageStyles } from '../components/page-styles';
import { formatPrice, formatTime } from '../format';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';

injectPageStyles();

const OPERATORS: Record<string, string> = {
  '>': 'above',
  '<': 'below',
  between: 'between',
  crossesAbove: 'crosses above',
  crossesBelow: 'crosses below',
};

/** `rsi(14) below 30`, `macdHistogram crosses above 0`, `x between 1 and 2`. */
export function conditionText(rule: StrategyRule): string {
  const input = rule.period !== undefined ? `${rule.input}(${rule.period})` : rule.input;
  const condition = rule.condition ?? {};
  const op = String(condition.op ?? '?');
  const words = OPERATORS[op] ?? op;
  if (op === 'between') {
    return `${input} ${words} ${String(condition.min)} and ${String(condition.max)}`;
  }
  const rest = Object.entries(condition)
    .filter(([name]) => name !== 'op' && name !== 'value')
    .map(([name, value]) => `${name} ${JSON.stringify(value)}`);
  return [`${input} ${words} ${String(condition.value ?? '')}`.trim(), ...rest].join(', ');
}

const signed = (value: number | undefined): string =>
  value === undefined ? '–' : `${value > 0 ? '+' : ''}${value}`;

function Evaluate({ strategy, markets }: { strategy: Strategy; markets: Market[] }) {
  const { api } = useSession();
  const first = markets[0];
  const [market, setMarket] = useState(first ? `${first.symbol} ${first.interval}` : '');
  const [signal, setSignal] = useState<Signal | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    const [symbol, interval] = market.split(' ');
    setBusy(true);
    setError(null);
    try {
      setSignal(
        await api.post<Signal>(`/strategies/${encodeURIComponent(strategy.id)}/evaluate`, {
          symbol,
          interval,
        }),
      );
    } catch (failure) {
      setSignal(null);
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="evaluate">
      <div class="row-actions">
        <select
          aria-label="market"
          value={market}
          onChange={(event) => setMarket(event.currentTarget.value)}
        >
          {markets.map((each) => (
            <option
              key={`${each.symbol} ${each.interval}`}
              value={`${each.symbol} ${each.interval}`}
            >
              {each.symbol} {each.interval}
            </option>
          ))}
        </select>
        <button type="button" class="small" disabled={busy || !market} onClick={() => void run()}>
          Dry run now
        </button>
      </div>
      <ErrorBox error={error} compact />
      {signal ? (
        <div class="signal" data-testid="dry-run">
          <span class={`badge action-${signal.action.toLowerCase()}`}>{signal.action}</span> at{' '}
          {formatTime(signal.openTime)} (close {formatPrice(signal.close)}) · score{' '}
          {signal.score.toFixed(2)} · confidence {signal.confidence.toFixed(2)}
          {signal.reasons.length > 0 ? (
            <ul class="reasons">
              {signal.reasons.map((reason) => (
                <li key={reason.label}>
                  {reason.label}{' '}
                  <span class="muted">
                    ({reason.input} = {reason.value.toPrecision(4)}, weight {signed(reason.weight)})
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted small">No rule fired.</p>
          )}
        </div>
      ) : null}
    </div>
  );
}

function StrategyCard({
  strategy,
  older,
  markets,
}: {
  strategy: Strategy;
  older: Strategy[];
  markets: Market[];
}) {
  const { definition } = strategy;
  const rules = definition.rules ?? [];
  return (
    <section class="panel stack" data-testid="strategy" data-name={strategy.name}>
      <div class="page-head">
        <h2>{strategy.name}</h2>
        <span class="badge">v{strategy.version}</span>
        {strategy.active ? <span class="badge role-admin">active</span> : null}
        {strategy.needsModel ? (
          <span class="badge kind-model" title="Its rules read model predictions">
            model
          </span>
        ) : null}
        <span class="muted small">since {formatTime(strategy.createdAt)}</span>
      </div>
      {strategy.description ? <p class="muted">{strategy.description}</p> : null}
      <div class="scroll-x">
        <table class="compact responsive">
          <thead>
            <tr>
              <th>rule</th>
              <th>when</th>
              <th class="num">weight</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule, index) => (
              <tr key={index}>
                <td data-label="rule">{rule.label ?? `rule ${index + 1}`}</td>
                <td data-label="when">
                  <code>{conditionText(rule)}</code>
                </td>
                <td data-label="weight" class={`num ${(rule.weight ?? 0) >= 0 ? 'up' : 'down'}`}>
                  {signed(rule.weight)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl class="kv small">
        <dt>thresholds</dt>
        <dd>
          BUY at score ≥ {definition.thresholds?.buy ?? '–'}, SELL at ≤{' '}
          {definition.thresholds?.sell ?? '–'}
        </dd>
        {definition.guards ? (
          <>
            <dt>guards</dt>
            <dd>
              {Object.entries(definition.guards)
                .map(([name, value]) => `${name} ${value}`)
                .join(' · ')}
            </dd>
          </>
        ) : null}
        {definition.sizing ? (
          <>
            <dt>sizing</dt>
            <dd>
              {Object.entries(definition.sizing)
                .map(([name, value]) => `${name} ${String(value)}`)
                .join(' · ')}
            </dd>
          </>
        ) : null}
        {older.length > 0 ? (
          <>
            <dt>older versions</dt>
            <dd>{older.map((each) => `v${each.version}`).join(', ')}</dd>
          </>
        ) : null}
      </dl>
      <Evaluate strategy={strategy} markets={markets} />
    </section>
  );
}

/** Strategies: each name's newest version with its rules readable, and a dry-run evaluate. */
export default function StrategiesPage(_props: PageProps) {
  const data = useStrategiesAndMarkets();
  const byName = new Map<string, Strategy[]>();
  for (const strategy of data.data?.strategies ?? []) {
    byName.set(strategy.name, [...(byName.get(strategy.name) ?? []), strategy]);
  }
  return (
    <div class="stack">
      <div class="page-head">
        <h1>Strategies</h1>
        <span class="muted small">
          Weighted rules over indicators and forecasts; test one on the{' '}
          <Link href="/ui/backtests">backtests</Link> page, follow one live in a{' '}
          <Link href="/ui/paper">paper account</Link>
        </span>
      </div>
      <ErrorBox error={data.error} />
      {data.loading && !data.data ? <p class="muted">Loading…</p> : null}
      {data.data && byName.size === 0 ? <p class="muted">No strategies yet.</p> : null}
      {[...byName.values()].map((versions) => {
        const shown = versions.find((each) => each.active) ?? versions[0]!;
        return (
          <StrategyCard
            key={shown.name}
            strategy={shown}
            older={versions.filter((each) => each !== shown)}
            markets={data.data?.markets ?? []}
          />
        );
      })}
    </div>
  );
}
