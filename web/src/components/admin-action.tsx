import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../session';
import { ErrorBox } from './error-box';

interface Job {
  id: string;
  state: string;
  progress: unknown;
  error?: string | null;
}

const FINAL = new Set(['completed', 'failed', 'unknown']);

function progressText(progress: unknown): string {
  if (typeof progress === 'number') {
    return ` ${Math.round(progress)}%`;
  }
  if (progress && typeof progress === 'object' && 'percent' in progress) {
    return ` ${Math.round(Number(progress.percent))}%`;
  }
  return '';
}

/** A background job's state, polled from GET /jobs/:id until it ends. */
export function JobStatus({ jobId }: { jobId: string }) {
  const { api } = useSession();
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = () => {
      api.get<Job>(`/jobs/${encodeURIComponent(jobId)}`).then(
        (next) => {
          if (stopped) {
            return;
          }
          setJob(next);
          if (!FINAL.has(next.state)) {
            timer = setTimeout(poll, 2_000);
          }
        },
        (failure: unknown) => !stopped && setError(failure),
      );
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, jobId]);
  if (error) {
    return <ErrorBox error={error} compact />;
  }
  return (
    <span class={`job job-${job?.state ?? 'queued'}`} title={job?.error ?? jobId}>
      {job ? `${job.state}${progressText(job.progress)}` : 'queued'}
    </span>
  );
}

/**
 * A button for an admin operation that starts background jobs (rendered for admin keys only;
 * the API refuses other keys anyway). Shows each job it started with its live state.
 */
export function AdminAction({
  label,
  title,
  run,
}: {
  label: string;
  title?: string;
  run: () => Promise<string[]>;
}) {
  const { isAdmin } = useSession();
  const [busy, setBusy] = useState(false);
  const [jobIds, setJobIds] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  if (!isAdmin) {
    return null;
  }
  const onClick = async () => {
    setBusy(true);
    setError(null);
    try {
      setJobIds(await run());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="admin-action" data-admin>
      <button
        type="button"
        class="small"
        disabled={busy}
        title={title}
        onClick={() => void onClick()}
      >
        {label}
      </button>
      {jobIds.map((id) => (
        <JobStatus key={id} jobId={id} />
      ))}
      <ErrorBox error={error} compact />
    </span>
  );
}
