import type { ModelVersion } from '../api/types';
import { ActionButton } from '../components/actions';
import { JobStatus } from '../components/admin-action';
import { formatPercent, formatTime } from '../format';
import { useSession } from '../session';

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

/** A version of the registry: its test scores next to the baselines, and the admin's buttons. */
export function ModelRow({ model, onChanged }: { model: ModelVersion; onChanged: () => void }) {
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
