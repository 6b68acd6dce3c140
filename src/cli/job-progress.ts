import type { INestApplicationContext } from '@nestjs/common';
import { Presets, SingleBar } from 'cli-progress';
import { JobsService } from '../queue/jobs.service';

/** Queues a job through `queue`, then (with `wait`) follows it to the end and reports its outcome. */
export async function queueAndFollow(
  app: INestApplicationContext,
  what: string,
  wait: boolean,
  queue: () => Promise<{ jobId: string }>,
): Promise<void> {
  const { jobId } = await queue();
  process.stdout.write(`Queued ${what} job ${jobId}\n`);
  if (!wait) {
    return;
  }
  const job = await followJob(app.get(JobsService), jobId);
  process.stdout.write(
    `Job ${jobId} ${job.state}: ${JSON.stringify(job.result ?? job.error ?? null)}\n`,
  );
  if (job.state === 'failed') {
    process.exitCode = 1;
  }
}

/** Polls a job until it completes or fails, with a progress bar on a terminal. */
async function followJob(jobs: JobsService, jobId: string) {
  const bar = process.stderr.isTTY
    ? new SingleBar(
        { format: '{bar} {percentage}% {state}', hideCursor: true },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(100, 0, { state: 'waiting' });
  try {
    for (;;) {
      const job = await jobs.get(jobId);
      const progress = job.progress as { percent?: number } | number | null;
      const percent = typeof progress === 'number' ? progress : (progress?.percent ?? 0);
      bar?.update(Math.round(percent), { state: job.state });
      if (job.state === 'completed' || job.state === 'failed') {
        return job;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    bar?.stop();
  }
}
