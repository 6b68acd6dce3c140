import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { JobName } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';

/**
 * When the live path asks for a retraining check (`MODEL_AUTO_TRAIN`) besides the hourly one: at
 * start-up, and after candles land in a market without a model, so it gets its first one soon.
 */
@Injectable()
export class TrainingChecks {
  private readonly logger = new Logger(TrainingChecks.name);
  private lastCheck = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly queues: QueueService,
  ) {}

  async atStartUp(): Promise<void> {
    if (this.config.get('MODEL_AUTO_TRAIN')) {
      // Do not wait for the hourly check to give a new market its first model.
      await this.queues
        .enqueue({ name: JobName.RetrainModels, payload: {}, exclusiveKey: 'start-up' })
        .catch((error: Error) =>
          this.logger.warn(`Could not queue the retraining check: ${error.message}`),
        );
    }
  }

  /** At most one check every 30 s while candles are written. */
  afterWrite(): void {
    if (!this.config.get('MODEL_AUTO_TRAIN') || this.timer) {
      return;
    }
    // Trailing: one check 30 s after the last, so a backfill that is still landing is counted whole.
    const waitMs = Math.max(0, this.lastCheck + 30_000 - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastCheck = Date.now();
      void this.queues
        .enqueue({ name: JobName.RetrainModels, payload: {}, exclusiveKey: 'after-write' })
        .catch((error: Error) =>
          this.logger.warn(`Could not queue the retraining check: ${error.message}`),
        );
    }, waitMs);
    this.timer.unref();
  }
}
