import type { Command } from 'commander';
import { DEFAULT_MODEL_KIND, MODEL_KINDS, type ModelKind } from '../../models/engine/model-kind';
import { ModelsService } from '../../models/models.service';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { queueAndFollow } from '../job-progress';
import { parseJsonObject, parseModelKind } from '../options';

interface TrainOptions {
  symbol: string;
  interval?: string;
  kind: ModelKind;
  params?: Record<string, number>;
  wait: boolean;
}

/** `train`: ModelsService.train, as `POST /admin/models/train`, then follows the job. */
export class TrainCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('train')
      .description('Queue a training job for a market (a worker runs it) and follow its progress')
      .requiredOption('--symbol <symbol>', 'base asset (BTC) or pair')
      .option('--interval <interval>', 'candle interval (default PREDICT_INTERVAL)')
      .option(
        `--kind <kind>`,
        `model kind: ${MODEL_KINDS.join(', ')}`,
        parseModelKind,
        DEFAULT_MODEL_KIND,
      )
      .option(
        '--params <json>',
        'hyperparameters as JSON, e.g. {"units":32,"epochs":20}',
        parseJsonObject,
      )
      .option('--no-wait', 'print the job id and return')
      .action((options: TrainOptions) => this.run(options));
  }

  async run(options: TrainOptions): Promise<void> {
    await this.cli.withApp((app) =>
      queueAndFollow(app, 'training', options.wait, () => app.get(ModelsService).train(options)),
    );
  }
}
