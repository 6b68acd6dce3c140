import type { PaperAccountDto, PaperPositionDto, PaperTradeDto } from '../../paper/dto/paper.dto';

/** How `paper list` and `paper show` print accounts, positions and trades. */

export const time = (value: Date | null) => value?.toISOString() ?? '-';
const price = (value: number | null) => (value === null ? '-' : value.toPrecision(8));

export function positionRow(position: PaperPositionDto): Record<string, string | number> {
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

export function tradeRow(trade: PaperTradeDto): Record<string, string | number> {
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

export function accountSummary(account: PaperAccountDto): string {
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
