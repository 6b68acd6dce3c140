import { useState } from 'preact/hooks';
import type { Market, ModelVersion } from '../api/types';
import { usePolling } from '../components/actions';
import { AdminAction } from '../components/admin-action';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { injectPageStyles } from '../components/page-styles';
import { setQuery } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { KINDS, ModelKindPicker } from './model-kind-picker';
import { ModelRow } from './model-row';
import { SearchControls, Searches } from './model-searches';

injectPageStyles();

const POLL_MS = 3_000;

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
