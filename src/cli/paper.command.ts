import type { INestApplicationContext } from '@nestjs/common';
import { InvalidArgumentError, type Command } from 'commander';
import type { PaperAccountDto, PaperPositionDto, PaperTradeDto } from '../paper/dto/paper.dto';
import { PaperAccountsService } from '../paper/paper-accounts.service';
import { metricsRow } from './backtest.command';

/** Trades `paper show` prints by default (the last ones). */
const SHOWN_TRADES = 20;

const time = (value: Date | null) => value?.toISOString() ?? '-';
const price = (value: number | null) => (value === null ? '-' : value.toPrecision(8));

function positionRow(position: PaperPositionDto): Record<string, string | number> {
  return {
    symbol: position.symbol,
    quantity: position.quantity === 0 ? '0' : position.quantity.toPrecision(6),
    'entry price': price(position.entryPrice),
    'entry time': time(position.entryTime),
    'mark price': price(position.markPrice),
    cash: position.cash.toFixed(2),
    equity: position.equity.toFixed(2),
    fees: position.feesPaid.toFixed(2),
    'last candle': time(position.lastCandle),
    late: position.lateCandles,
  };
}

function tradeRow(trade: PaperTradeDto): Record<string, string | number> {
  return {
    symbol: trade.symbol,
    entry: time(trade.entryTime),
    'entry price': price(trade.entryPrice),
    exit: time(trade.exitTime),
    'exit price': price(trade.exitPrice),
    quantity: trade.quantity.toPrecision(6),
    profit: trade.profit.toFixed(2),
    'return %': (trade.returnPct * 100).toFixed(2),
    reason: trade.exitReason,
  };
}

function accountSummary(account: PaperAccountDto): string {
  const { strategy } = account;
  return (
    `Paper account ${account.name} (${account.id}), ${account.status}: ${strategy.name} v${strategy.version} ` +
    `on ${account.markets.join(', ')} ${account.interval}, ${account.startingCash} starting cash, ` +
    `fee ${account.feeRate}, slippage ${account.slippage}, sizing ${JSON.stringify(account.sizing)}\n` +
    `Since ${time(account.startTime)}, last candle ${time(account.lastCandle)}` +
    (account.closedAt ? `, closed ${time(account.closedAt)}` : '') +
    `, ${account.lateCandles} candle(s) decided late\n`
  );
}

function wholeNumber(name: string, min: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
    }
    return parsed;
  };
}

/**
 * `paper list` and `paper show`: the paper accounts as `GET /paper-accounts` and
 * `GET /paper-accounts/{id}` (with its positions and trades) return them, from the same service.
 */
export function registerPaperCommand(
  program: Command,
  params: {
    withApp: <T>(work: (app: INestApplicationContext) => Promise<T>) => Promise<T>;
  },
): void {
  const paper = program.command('paper').description('Paper accounts: forward tests of strategies');
  paper
    .command('list')
    .description('Paper accounts, oldest first, with their figures')
    .option('--json', 'print one JSON document (the answer of GET /paper-accounts)')
    .action(async (options: { json?: boolean }) => {
      const accounts = await params.withApp((app) => app.get(PaperAccountsService).list());
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
    });
  paper
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
    .action(async (idOrName: string, options: { trades: number; json?: boolean }) => {
      const shown = await params.withApp(async (app) => {
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
    });
}
