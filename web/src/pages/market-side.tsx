import { ApiError } from '../api/rest';
import type { Prediction, Signal } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { ForecastTable, KindBadge } from '../components/forecast';
import type { AsyncState } from '../components/hooks';
import { SignalLine } from '../components/signals';
import { formatPrice, formatTime } from '../format';

/** Beside the chart: the forecast of the interval shown and each strategy's latest decision. */
export function MarketSide({
  interval,
  prediction,
  latestSignals,
}: {
  interval: string | null;
  prediction: Pick<AsyncState<Prediction>, 'data' | 'error'>;
  latestSignals: Pick<AsyncState<Signal[]>, 'data' | 'error'>;
}) {
  const notReady =
    prediction.error instanceof ApiError &&
    (prediction.error.status === 503 || prediction.error.status === 404);
  return (
    <div class="market-side">
      <div class="card">
        <h2>
          Forecast {prediction.data ? <KindBadge prediction={prediction.data} /> : null}{' '}
          <span class="muted small">{interval}</span>
        </h2>
        {prediction.data ? (
          <>
            <p class="muted small">
              made at the close of {formatTime(prediction.data.openTime)} UTC, last close{' '}
              {formatPrice(prediction.data.lastClose)}
            </p>
            <ForecastTable prediction={prediction.data} />
          </>
        ) : notReady ? (
          <p class="muted">No forecast yet: {(prediction.error as Error).message}</p>
        ) : (
          <ErrorBox error={prediction.error} compact />
        )}
      </div>
      <div class="card">
        <h2>Latest signals</h2>
        <ErrorBox error={latestSignals.error} compact />
        {latestSignals.data?.length === 0 ? <p class="muted">No decision yet.</p> : null}
        {latestSignals.data?.map((signal) => (
          <SignalLine key={signal.strategyId} signal={signal} withReasons />
        ))}
      </div>
    </div>
  );
}
