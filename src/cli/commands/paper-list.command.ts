import type { Command } from 'commander';
import { PaperAccountsService } from '../../paper/paper-accounts.service';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { time } from './paper.tables';

/** `paper list`: PaperAccountsService.list, as `GET /paper-accounts` answers. */
export class PaperListCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('list')
      .description('Paper accounts, oldest first, with their figures')
      .option('--json', 'print one JSON document (the answer of GET /paper-accounts)')
      .action((options: { json?: boolean }) => this.run(options));
  }

  async run(options: { json?: boolean }): Promise<void> {
    const accounts = await this.cli.withApp((app) => app.get(PaperAccountsService).list());
    if (options.json) {
      process.stdout.write(`${JSON.stringify(accounts, null, 2)}\n`);
      return;
    }
    if (!accounts.length) {
      process.stdout.write(
        'No paper accounts yet. Open one with POST /admin/paper-accounts (or the openPaperAccount mutation).\n',
      );
      return;
    }
    console.table(
      accounts.map((account) => ({
        name: account.name,
        id: account.id,
        strategy: `${account.strategy.name} v${account.strategy.version}`,
        markets: account.markets.join(' '),
        interval: account.interval,
        status: account.status,
        since: time(account.startTime),
        'last candle': time(account.lastCandle),
        equity: account.metrics.finalEquity.toFixed(2),
        'return %': (account.metrics.totalReturn * 100).toFixed(2),
        'max DD %': (account.metrics.maxDrawdown * 100).toFixed(2),
        trades: account.metrics.trades,
      })),
    );
  }
}
