import type { Command } from 'commander';
import { PaperAccountsService } from '../../paper/paper-accounts.service';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { metricsRow } from '../metrics-table';
import { wholeNumber } from '../options';
import { accountSummary, positionRow, tradeRow } from './paper.tables';

/** Trades `paper show` prints by default (the last ones). */
const SHOWN_TRADES = 20;

interface PaperShowOptions {
  trades: number;
  json?: boolean;
}

/**
 * `paper show <id-or-name>`: one account as `GET /paper-accounts/{id}`, `/positions` and `/trades`
 * answer, from the same PaperAccountsService methods.
 */
export class PaperShowCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('show <id-or-name>')
      .description(
        "One paper account: its figures next to buy-and-hold and a backtest of the same candles, each market's position, the last trades",
      )
      .option(
        '--trades <count>',
        'how many of the last trades',
        wholeNumber('--trades', 0),
        SHOWN_TRADES,
      )
      .option(
        '--json',
        'print one JSON document: {account, positions, trades} as GET /paper-accounts/{id}, /positions and /trades answer',
      )
      .action((idOrName: string, options: PaperShowOptions) => this.run(idOrName, options));
  }

  async run(idOrName: string, options: PaperShowOptions): Promise<void> {
    const shown = await this.cli.withApp(async (app) => {
      const service = app.get(PaperAccountsService);
      const id = await service.resolve(idOrName);
      const [account, positions, trades] = await Promise.all([
        service.get(id),
        service.positions(id),
        service.trades(id, { limit: 1_000_000 }),
      ]);
      return {
        account,
        positions,
        trades: options.trades ? trades.slice(-options.trades) : [],
        tradeCount: trades.length,
      };
    });
    const { account, positions, trades, tradeCount } = shown;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ account, positions, trades }, null, 2)}\n`);
      return;
    }
    process.stdout.write(accountSummary(account));
    console.table([
      metricsRow('paper', account.metrics),
      ...(account.buyAndHold ? [metricsRow('buy and hold', account.buyAndHold)] : []),
      ...(account.backtest ? [metricsRow('backtest', account.backtest)] : []),
    ]);
    if (!account.backtest) {
      process.stdout.write(
        'No comparison yet: buy-and-hold and the backtest come once every market has stepped a candle.\n',
      );
    }
    process.stdout.write('Positions:\n');
    console.table(positions.map(positionRow));
    if (!tradeCount) {
      process.stdout.write('No trades yet.\n');
    } else if (trades.length) {
      process.stdout.write(`Last ${trades.length} of ${tradeCount} trades:\n`);
      console.table(trades.map(tradeRow));
    }
  }
}
