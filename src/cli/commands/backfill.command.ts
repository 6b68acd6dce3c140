import type { Command } from 'commander';
import { CandlesService } from '../../market-data/candles.service';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { queueAndFollow } from '../job-progress';

interface BackfillOptions {
  symbol: string;
  interval: string;
  from: string;
  to?: string;
  wait: boolean;
}

/** `backfill`: CandlesService.requestBackfill, as `POST /admin/backfill`, then follows the job. */
export class BackfillCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('backfill')
      .description('Queue a backfill job (a worker runs it) and follow its progress')
      .requiredOption('--symbol <symbol>', 'base asset (BTC) or pair')
      .requiredOption('--interval <interval>', 'candle interval (1m, 1h, ...)')
      .requiredOption('--from <time>', 'ISO-8601 time or epoch ms')
      .option('--to <time>', 'ISO-8601 time or epoch ms (default: up to the latest closed candle)')
      .option('--no-wait', 'print the job id and return')
      .action((options: BackfillOptions) => this.run(options));
  }

  async run(options: BackfillOptions): Promise<void> {
    await this.cli.withApp((app) =>
      queueAndFollow(app, 'backfill', options.wait, () =>
        app.get(CandlesService).requestBackfill(options),
      ),
    );
  }
}
