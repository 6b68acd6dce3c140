import { useState } from 'preact/hooks';
import type { Market, ModelSearch, ModelVersion } from '../api/types';
import { ActionButton, ProgressBar, usePolling } from '../components/actions';
import { AdminAction, JobStatus } from '../components/admin-action';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { injectPageStyles } from '../components/page-styles';
import { formatPercent, formatTime } from '../format';
import { setQuery } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';

injectPageStyles();

const POLL_MS = 3_000;
const KINDS = ['lstm', 'gru', 'linear'] as const;

interface PointMetrics {
  mae?: number;
  mape?: number;
  directionalAccuracy?: number | null;
}

interface HorizonScore {
  horizon: number;
  point?: {
    model?: PointMetrics;
    persistence?: PointMetrics;
    versusPersistence?: { pValue?: number };
  };
  band?: { model?: { coverage?: number } };
}

/** A field of the open-ended metrics JSON, read as the shape the service writes there. */
function metricsField<T>(
  metrics: Record<string, unknown> | null | undefined,
  key: string,
): T | null {
  return (metrics?.[key] ?? null) as T | null;
}

/** What the registry shows of a version's metrics (the JSON is open-ended; read defensively). */
function readMetrics(metrics: Record<string, unknown> | null | undefined) {
  const split = metricsField<{
    model?: PointMetrics;
    persistence?: PointMetrics;
    drift?: PointMetrics;
    versusPersistence?: { pValue?: number };
  }>(metrics, 'split');
  const forecast = Array.isArray(metrics?.forecast) ? (metrics.forecast as HorizonScore[]) : [];
  const versusProduction = metricsField<{ pValue?: number }>(metrics, 'versusProduction');
  return { split, forecast, versusProduction };
}

const mae = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toPrecision(4);
const pValue = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value)
    ? '–'
    : value < 0.001
      ? '<0.001'
      : value.toFixed(3);

function ModelRow({ model, onChanged }: { model: ModelVersion; onChanged: () => void }) {
  const { api } = useSession();
  const { split, forecast, versusProduction } = readMetrics(model.metrics);
  const base = `/admin/models/${encodeURIComponent(model.id)}`;
  const better =
    split?.model?.mae !== undefined && split.persistence?.mae !== undefined
      ? split.model.mae < split.persistence.mae
      : null;
  return (
    <tr data-model={model.id}>
      <td data-label="version">
        <strong>{model.kind}</strong>
        <div class="muted small" title={model.id}>
          {model.id.slice(0, 8)} · {formatTime(model.trainedAt ?? model.createdAt)}
        </div>
      </td>
      <td data-label="status">
        <span class={`badge ${model.status === 'production' ? 'kind-model' : ''}`}>
          {model.status}
        </span>
        {model.status === 'training' && model.jobId ? <JobStatus jobId={model.jobId} /> : null}
        {model.error ? <div class="status-bad small">{model.error}</div> : null}
      </td>
      <td data-label="test MAE" class="num">
        <span class={better === null ? '' : better ? 'up' : 'down'}>{mae(split?.model?.mae)}</span>
      </td>
      <td data-label="persistence" class="num">
        {mae(split?.persistence?.mae)}
      </td>
      <td data-label="drift" class="num">
        {mae(split?.drift?.mae)}
      </td>
      <td data-label="p (DM)" class="num" title="Diebold-Mariano against persistence">
        {pValue(split?.versusPersistence?.pValue)}
        {versusProduction ? (
          <div class="muted small" title="against the production model at training time">
            vs prod {pValue(versusProduction.pValue)}
          </div>
        ) : null}
      </td>
      <td data-label="direction" class="num">
        {typeof split?.model?.directionalAccuracy === 'number'
          ? formatPercent(split.model.directionalAccuracy, 1)
          : '–'}
      </td>
      <td data-label="coverage" title="share of outcomes inside the 10%-90% band (nominal 80%)">
        {forecast.length > 0
          ? forecast
              .filter((score) => typeof score.band?.model?.coverage === 'number')
              .map(
                (score) => `+${score.horizon}: ${formatPercent(score.band!.model!.coverage!, 0)}`,
              )
              .join(' · ') || '–'
          : '–'}
      </td>
      <td data-label="" class="admin-cell">
        {model.status === 'candidate' || model.status === 'retired' ? (
          <ActionButton
            admin
            label="Promote"
            confirm={`Make ${model.kind} ${model.id.slice(0, 8)} the production model?`}
            run={() => api.post(`${base}/promote`)}
            onDone={onChanged}
          />
        ) : null}
        {model.status === 'production' || model.status === 'candidate' ? (
          <ActionButton
            admin
            label="Retire"
            class="small danger"
            confirm={`Retire ${model.kind} ${model.id.slice(0, 8)}?`}
            run={() => api.post(`${base}/retire`)}
            onDone={onChanged}
          />
        ) : null}
        {model.status === 'training' && model.jobId ? (
          <ActionButton
            admin
            label="Cancel"
            class="small danger"
            run={() =>
              api.post(`/admin/models/train/${encodeURIComponent(model.jobId ?? '')}/cancel`)
            }
            onDone={onChanged}
          />
        ) : null}
      </td>
    </tr>
  );
}

function Searches({
  symbol,
  interval,
  generation,
}: {
  symbol: string;
  interval: string;
  generation: number;
}) {
  const { api } = useSession();
  const searches = useAsync<ModelSearch[]>(
    (signal) => api.get('/models/searches', { symbol, interval, limit: 10 }, signal),
    [api, symbol, interval, generation],
  );
  const running = (searches.data ?? []).some(
    (search) => search.status === 'running' || search.status === 'evaluating',
  );
  usePolling(searches.reload, POLL_MS, running);
  return (
    <section class="panel" data-testid="searches">
      <h2>Searches</h2>
      <ErrorBox error={searches.error} />
      {searches.data && searches.data.length === 0 ? (
        <p class="muted">No searches for this market.</p>
      ) : null}
      <div class="scroll-x">
        <table class="compact responsive">
          <tbody>
            {(searches.data ?? []).map((search) => {
              const best = search.best as {
                kind?: string;
                score?: number;
                trialIndex?: number;
              } | null;
              return (
                <tr key={search.id} data-search={search.id}>
                  <td data-label="started">
                    {formatTime(search.createdAt)}
                    <div class="muted small">{search.id.slice(0, 8)}</div>
                  </td>
                  <td data-label="status">
                    <span class="badge">{search.status}</span>
                    {search.error ? <div class="status-bad small">{search.error}</div> : null}
                  </td>
                  <td data-label="progress">
                    <ProgressBar percent={search.percent} label="search progress" />
                    <span class="muted small">
                      {search.trialsDone} / {search.trialsTotal} trials
                    </span>
                  </td>
                  <td data-label="best">
                    {best?.kind
                      ? `${best.kind} (trial ${best.trialIndex ?? '?'}), score ${typeof best.score === 'number' ? best.score.toFixed(3) : '–'}`
                      : '–'}
                    <div class="muted small">score: MAE over persistence's (lower is better)</div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Models: each market's registry next to the baselines, searches, and the admin's buttons. */
export default function ModelsPage({ query }: PageProps) {
  const { api } = useSession();
  const markets = useAsync<Market[]>((signal) => api.get('/markets', {}, signal), [api]);
  const first = markets.data?.[0];
  const symbol = query.get('symbol') ?? first?.symbol ?? '';
  const interval =
    query.get('interval') ??
    markets.data?.find((market) => market.symbol === symbol)?.interval ??
    '';
  const [kind, setKind] = useState<(typeof KINDS)[number]>('lstm');
  const [generation, setGeneration] = useState(0);
  const models = useAsync<ModelVersion[] | null>(
    (signal) =>
      symbol ? api.get('/models', { symbol, interval, limit: 50 }, signal) : Promise.resolve(null),
    [api, symbol, interval, generation],
  );
  const training = (models.data ?? []).some((model) => model.status === 'training');
  // Training jobs started here whose version is not listed yet (it appears once the job runs).
  const [startedJobs, setStartedJobs] = useState<string[]>([]);
  const awaited = startedJobs.filter(
    (jobId) => !(models.data ?? []).some((model) => model.jobId === jobId),
  );
  usePolling(models.reload, POLL_MS, training || awaited.length > 0);
  const changed = () => setGeneration((value) => value + 1);
  return (
    <div class="stack">
      <section class="panel">
        <div class="page-head">
          <h1>Models</h1>
          <select
            aria-label="market"
            value={`${symbol} ${interval}`}
            onChange={(event) => {
              const [nextSymbol, nextInterval] = event.currentTarget.value.split(' ');
              setQuery({ symbol: nextSymbol ?? null, interval: nextInterval ?? null });
            }}
          >
            {(markets.data ?? []).map((market) => (
              <option
                key={`${market.symbol} ${market.interval}`}
                value={`${market.symbol} ${market.interval}`}
              >
                {market.symbol} {market.interval}
              </option>
            ))}
          </select>
          <span class="row-actions">
            <ModelKindPicker kind={kind} onChange={setKind} />
            <AdminAction
              label={`Train ${kind}`}
              run={async () => {
                const { jobId } = await api.post<{ jobId: string }>('/admin/models/train', {
                  symbol,
                  interval,
                  kind,
                });
                setStartedJobs((current) => [...current, jobId]);
                changed();
                return [jobId];
              }}
            />
            <SearchControls symbol={symbol} interval={interval} onStarted={changed} />
          </span>
        </div>
        <ErrorBox error={markets.error ?? models.error} />
        <p class="muted small">
          Test-set scores of the served point forecast at the model's horizon, next to the
          persistence and drift baselines; p: Diebold-Mariano against persistence (a model is
          promoted when it beats it with p &lt; 0.05); coverage of the 10%-90% band per horizon
          (nominal 80%).
        </p>
        <div class="scroll-x">
          <table class="compact responsive" data-testid="models">
            <thead>
              <tr>
                <th>version</th>
                <th>status</th>
                <th class="num">test MAE</th>
                <th class="num">persistence</th>
                <th class="num">drift</th>
                <th class="num">p</th>
                <th class="num">direction</th>
                <th>band coverage</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(models.data ?? []).map((model) => (
                <ModelRow key={model.id} model={model} onChanged={changed} />
              ))}
            </tbody>
          </table>
        </div>
        {models.data && models.data.length === 0 ? (
          <p class="muted">
            No model trained for {symbol} {interval}: forecasts come from the baseline.
          </p>
        ) : null}
      </section>
      {symbol ? <Searches symbol={symbol} interval={interval} generation={generation} /> : null}
    </div>
  );
}

/** Admin only: a search's trials and model kinds, and the button that starts it. */
function SearchControls({
  symbol,
  interval,
  onStarted,
}: {
  symbol: string;
  interval: string;
  onStarted: () => void;
}) {
  const { api, isAdmin } = useSession();
  const [trials, setTrials] = useState('12');
  const [kind, setKind] = useState<(typeof KINDS)[number] | 'all'>('all');
  if (!isAdmin) {
    return null;
  }
  return (
    <span class="row-actions" data-admin>
      <input
        type="number"
        min="1"
        step="1"
        aria-label="search trials"
        class="trials"
        value={trials}
        onInput={(event) => setTrials(event.currentTarget.value)}
      />
      <select
        aria-label="search kinds"
        value={kind}
        onChange={(event) => setKind(event.currentTarget.value as (typeof KINDS)[number] | 'all')}
      >
        <option value="all">all kinds</option>
        {KINDS.map((each) => (
          <option key={each} value={each}>
            {each}
          </option>
        ))}
      </select>
      <ActionButton
        admin
        label={`Search (${trials} trials)`}
        run={() =>
          api.post('/admin/models/search', {
            symbol,
            interval,
            trials: Number(trials),
            ...(kind === 'all' ? {} : { kinds: [kind] }),
          })
        }
        onDone={onStarted}
      />
    </span>
  );
}

function ModelKindPicker({
  kind,
  onChange,
}: {
  kind: (typeof KINDS)[number];
  onChange: (kind: (typeof KINDS)[number]) => void;
}) {
  const { isAdmin } = useSession();
  if (!isAdmin) {
    return null;
  }
  return (
    <select
      aria-label="model kind"
      data-admin
      value={kind}
      onChange={(event) => onChange(event.currentTarget.value as (typeof KINDS)[number])}
    >
      {KINDS.map((each) => (
        <option key={each} value={each}>
          {each}
        </option>
      ))}
    </select>
  );
}
