import { Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { JobDto, type JobState } from './dto/job.dto';
import { JOBS, JobName, jobNameOfId } from './queue.catalogue';
import { QueueService } from './queue.service';

class JobsException extends AppException {}

function isFinished(state: JobState): boolean {
  return state === 'completed' || state === 'failed';
}

const JOB_ID_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/** Reads any job of the catalogue by id, and starts the admin-triggered ones. */
@Injectable()
export class JobsService {
  constructor(private readonly queues: QueueService) {}

  async get(id: string): Promise<JobDto> {
    if (!JOB_ID_PATTERN.test(id)) {
      throw new JobsException('VALIDATION_FAILED', 'id is not a job id', [
        { field: 'id', problem: 'must be 1-200 letters, digits, ".", "_", ":" or "-"' },
      ]);
    }
    const name = jobNameOfId(id);
    const queue = name ? this.queues.queue(JOBS[name].queue) : undefined;
    let job = queue ? await queue.getJob(id) : undefined;
    if (!queue || !job) {
      throw new JobsException('NOT_FOUND', `No job with id ${id}`);
    }
    // The job's fields and its state are two reads; a job that finishes between them would show
    // a finished state with unfinished fields. Read again until the two agree.
    let state = await job.getState();
    for (let attempt = 0; attempt < 3 && isFinished(state) !== Boolean(job.finishedOn); attempt++) {
      job = (await queue.getJob(id)) ?? job;
      state = await job.getState();
    }
    return Object.assign(new JobDto(), {
      id,
      name: job.name,
      queue: job.queueName,
      state,
      progress: job.progress,
      data: job.data as unknown,
      result: (job.returnvalue as unknown) ?? null,
      error: job.failedReason || null,
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      createdAt: new Date(job.timestamp),
      startedAt: job.processedOn ? new Date(job.processedOn) : null,
      processedBy: job.processedBy ?? null,
      finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
    });
  }

  async cleanQueues(params: {
    graceMs?: number;
    limitPerState?: number;
  }): Promise<{ jobId: string }> {
    const jobId = await this.queues.enqueue({
      name: JobName.CleanQueues,
      payload: {
        graceMs: params.graceMs ?? 86_400_000,
        limitPerState: params.limitPerState ?? 10_000,
      },
    });
    return { jobId };
  }
}
