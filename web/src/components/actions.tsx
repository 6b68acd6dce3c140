import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useSession } from '../session';
import { ErrorBox } from './error-box';

/**
 * A button that calls the API once per click and shows the API's error under it. `admin`: only
 * admin keys see it (marked `data-admin`; the API refuses other keys anyway).
 */
export function ActionButton({
  label,
  run,
  onDone,
  admin,
  confirm,
  class: className,
  testId,
}: {
  label: ComponentChildren;
  run: () => Promise<unknown>;
  onDone?: (result: unknown) => void;
  admin?: boolean;
  /** Asked with window.confirm first. */
  confirm?: string;
  class?: string;
  testId?: string;
}) {
  const { isAdmin } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (admin && !isAdmin) {
    return null;
  }
  const onClick = async () => {
    if (confirm && !window.confirm(confirm)) {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onDone?.(await run());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="admin-action" data-admin={admin ? '' : undefined}>
      <button
        type="button"
        class={className ?? 'small'}
        disabled={busy}
        data-testid={testId}
        onClick={() => void onClick()}
      >
        {label}
      </button>
      <ErrorBox error={error} compact />
    </span>
  );
}

/** Calls `tick` now and every `everyMs` while `active`. */
export function usePolling(tick: () => void, everyMs: number, active: boolean): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) {
      return undefined;
    }
    const timer = setInterval(() => saved.current(), everyMs);
    return () => clearInterval(timer);
  }, [everyMs, active]);
}

/** A bar for 0-100. */
export function ProgressBar({ percent, label }: { percent: number; label?: string }) {
  const clamped = Math.max(0, Math.min(100, percent));
  return (
    <div
      class="progress"
      role="progressbar"
      aria-valuenow={Math.round(clamped)}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-label={label}
    >
      <div style={{ width: `${clamped}%` }} />
    </div>
  );
}
