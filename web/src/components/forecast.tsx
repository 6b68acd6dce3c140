import type { Prediction } from '../api/types';
import { formatChange, formatPercent, formatPrice, formatTime } from '../format';

/** `model` (the production model) or `baseline` (persistence with empirical intervals). */
export function KindBadge({ prediction }: { prediction: Prediction }) {
  const title =
    prediction.kind === 'model'
      ? `Model ${prediction.model?.versionId ?? ''}${prediction.model?.beatsPersistence === false ? ' (did not beat persistence)' : ''}${prediction.model?.stale ? ', stale' : ''}`
      : 'No model passed: persistence with the empirical 10-90% band of recent returns';
  return (
    <span class={`badge kind-${prediction.kind}`} title={title} data-testid="forecast-kind">
      {prediction.kind}
    </span>
  );
}

/** Every horizon of a forecast: the predicted close, its 10%-90% interval and P(up). */
export function ForecastTable({
  prediction,
  compact,
}: {
  prediction: Prediction;
  compact?: boolean;
}) {
  return (
    <table class={compact ? 'forecast compact' : 'forecast'}>
      {compact ? null : (
        <thead>
          <tr>
            <th>horizon</th>
            <th class="target">target (UTC)</th>
            <th>close</th>
            <th>10% – 90%</th>
            <th>P(up)</th>
          </tr>
        </thead>
      )}
      <tbody>
        {prediction.horizons.map((horizon) => {
          const change = horizon.predictedClose / prediction.lastClose - 1;
          return (
            <tr key={horizon.horizon}>
              <td class="horizon">+{horizon.horizon}</td>
              {compact ? null : <td class="target">{formatTime(horizon.targetTime)}</td>}
              <td class="num" title={formatChange(change, 3)}>
                {formatPrice(horizon.predictedClose)}
              </td>
              <td class="num band">
                {formatPrice(horizon.lowerClose)} – {formatPrice(horizon.upperClose)}
              </td>
              <td class={`num ${horizon.probabilityUp >= 0.5 ? 'up' : 'down'}`}>
                {formatPercent(horizon.probabilityUp)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
