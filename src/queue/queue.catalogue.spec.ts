import { JOBS, JobName, QUEUES, SCHEDULES, jobIdFor, jobNameOfId } from './queue.catalogue';
import { jobsWithoutProcessor } from './queue-workers.service';

describe('queue catalogue', () => {
  it('puts every job on a declared queue with retries', () => {
    for (const name of Object.values(JobName)) {
      expect(QUEUES[JOBS[name].queue]).toBeDefined();
      expect(JOBS[name].options.attempts).toBeGreaterThanOrEqual(1);
    }
  });

  it('makes job ids that name their job and that BullMQ accepts', () => {
    const id = jobIdFor(JobName.CleanQueues, 'binanceus:BTCUSDT:1h');
    expect(id).toBe('clean-queues.binanceus-BTCUSDT-1h');
    expect(jobNameOfId(id)).toBe(JobName.CleanQueues);
    expect(jobNameOfId('repeat:clean-queues.daily:1700000000000')).toBe(JobName.CleanQueues);
    expect(jobNameOfId('nope.1')).toBeUndefined();
    expect(jobNameOfId('')).toBeUndefined();
  });

  it('schedules only catalogue jobs under ids that map back to them', () => {
    for (const schedule of SCHEDULES) {
      expect(jobNameOfId(`repeat:${schedule.id}:1`)).toBe(schedule.job);
    }
  });

  it('finds the jobs nobody processes', () => {
    expect(jobsWithoutProcessor([])).toEqual(Object.values(JobName));
    expect(jobsWithoutProcessor(Object.values(JobName))).toEqual([]);
  });
});
