import { useState } from 'preact/hooks';
import type { Market, SizingKind, Strategy } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { useSession } from '../session';
import { defaults, requestBody, type BacktestForm } from './backtest-request';

/** The backtest form: strategy, market, range, costs and sizing; `onStarted` gets the new run. */
export function BacktestFormPanel({
  onStarted,
}: {
  onStarted: (id: string, jobId: string) => void;
}) {
  const { api } = useSession();
  const inputs = useAsync(
    async (signal) => {
      const [markets, strategies] = await Promise.all([
        api.get<Market[]>('/markets', {}, signal),
        api.get<Strategy[]>('/strategies', {}, signal),
      ]);
      return { markets, strategies };
    },
    [api],
  );
  const [form, setForm] = useState<BacktestForm | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (inputs.error) {
    return <ErrorBox error={inputs.error} />;
  }
  if (!inputs.data) {
    return <p class="muted">Loading strategies and markets…</p>;
  }
  const { markets, strategies } = inputs.data;
  const current = form ?? defaults(markets, strategies);
  const set = (changes: Partial<BacktestForm>) => setForm({ ...current, ...changes });
  const text =
    (name: keyof BacktestForm) =>
    (event: Event): void =>
      set({ [name]: (event.currentTarget as HTMLInputElement).value });
  const symbols = [...new Set(markets.map((market) => market.symbol))];
  const intervals = markets
    .filter((market) => market.symbol === current.symbol)
    .map((market) => market.interval);
  const names = [...new Set(strategies.map((strategy) => strategy.name))];

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const started = await api.post<{ backtestId: string; jobId: string }>(
        '/backtests',
        requestBody(current),
      );
      onStarted(started.backtestId, started.jobId);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={(event) => void submit(event)} data-testid="backtest-form">
      <label>
        strategy
        <select name="strategy" value={current.strategy} onChange={text('strategy')}>
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        market
        <select
          name="symbol"
          value={current.symbol}
          onChange={(event) => {
            const symbol = event.currentTarget.value;
            const interval =
              markets.find((market) => market.symbol === symbol)?.interval ?? current.interval;
            set({ symbol, interval });
          }}
        >
          {symbols.map((symbol) => (
            <option key={symbol} value={symbol}>
              {symbol}
            </option>
          ))}
        </select>
      </label>
      <label>
        interval
        <select name="interval" value={current.interval} onChange={text('interval')}>
          {intervals.map((interval) => (
            <option key={interval} value={interval}>
              {interval}
            </option>
          ))}
        </select>
      </label>
      <label>
        from (UTC)
        <input
          name="from"
          type="datetime-local"
          value={current.from}
          onInput={text('from')}
          required
        />
      </label>
      <label>
        to (UTC)
        <input name="to" type="datetime-local" value={current.to} onInput={text('to')} required />
      </label>
      <label>
        starting cash
        <input
          name="startingCash"
          type="number"
          min="1"
          step="any"
          value={current.startingCash}
          onInput={text('startingCash')}
        />
      </label>
      <label>
        fee per side
        <input
          name="feeRate"
          type="number"
          min="0"
          step="any"
          value={current.feeRate}
          onInput={text('feeRate')}
        />
      </label>
      <label>
        slippage
        <input
          name="slippage"
          type="number"
          min="0"
          step="any"
          value={current.slippage}
          onInput={text('slippage')}
        />
      </label>
      <label>
        sizing
        <select
          name="sizing"
          value={current.sizing}
          onChange={(event) => set({ sizing: event.currentTarget.value as SizingKind })}
        >
          <option value="all-in">all-in</option>
          <option value="fraction">fraction of equity</option>
          <option value="volatility">volatility target</option>
        </select>
      </label>
      {current.sizing === 'fraction' ? (
        <label>
          fraction
          <input
            name="fraction"
            type="number"
            min="0"
            max="1"
            step="any"
            value={current.fraction}
            onInput={text('fraction')}
          />
        </label>
      ) : null}
      {current.sizing === 'volatility' ? (
        <>
          <label>
            target volatility
            <input
              name="targetVolatility"
              type="number"
              min="0"
              step="any"
              value={current.targetVolatility}
              onInput={text('targetVolatility')}
            />
          </label>
          <label>
            max fraction
            <input
              name="maxFraction"
              type="number"
              min="0"
              max="1"
              step="any"
              value={current.maxFraction}
              onInput={text('maxFraction')}
            />
          </label>
        </>
      ) : null}
      <div class="checks">
        <label title="When the strategy reads the model and stored predictions do not cover the range">
          <input
            type="checkbox"
            checked={current.walkForward}
            onChange={(event) => set({ walkForward: event.currentTarget.checked })}
          />
          walk-forward models
        </label>
      </div>
      <div>
        <button type="submit" class="primary" disabled={busy || !current.strategy}>
          Run backtest
        </button>
      </div>
      <div class="wide">
        <ErrorBox error={error} />
      </div>
    </form>
  );
}
