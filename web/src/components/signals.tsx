import type { Signal } from '../api/types';
import { formatTime } from '../format';

function ActionBadge({ action }: { action: Signal['action'] }) {
  return <span class={`badge action-${action.toLowerCase()}`}>{action}</span>;
}

/** Why a strategy decided: the rules that fired, with the value read and the rule's weight. */
export function SignalReasons({ signal }: { signal: Signal }) {
  if (signal.reasons.length === 0) {
    return <p class="muted">no rule fired</p>;
  }
  return (
    <ul class="reasons">
      {signal.reasons.map((reason) => (
        <li key={reason.label}>
          {reason.label}{' '}
          <span class="muted">
            ({reason.input} = {Number(reason.value.toPrecision(4))}, weight {reason.weight})
          </span>
        </li>
      ))}
    </ul>
  );
}

/** One decision: strategy, action, score and confidence, and optionally its reasons. */
export function SignalLine({ signal, withReasons }: { signal: Signal; withReasons?: boolean }) {
  return (
    <div class="signal" data-action={signal.action}>
      <div>
        <ActionBadge action={signal.action} /> <strong>{signal.strategyName}</strong>
        <span class="muted"> v{signal.strategyVersion}</span>{' '}
        <span class="muted" title="score in [-1, 1] · confidence">
          {signal.score.toFixed(2)} · {Math.round(signal.confidence * 100)}%
        </span>{' '}
        <span class="muted">
          {formatTime(signal.openTime)} {signal.interval}
        </span>
      </div>
      {withReasons ? <SignalReasons signal={signal} /> : null}
    </div>
  );
}
