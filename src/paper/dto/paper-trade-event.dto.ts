import { Field, Float, ObjectType } from '@nestjs/graphql';
import type { PaperTradeEvent } from '../paper-events';
import { PaperTradeDto } from './paper.dto';

/**
 * A paper order filled: what the `paperTradeExecuted` subscription and the `paper.trade` webhook
 * carry (the same shape both ways).
 */
@ObjectType('PaperTradeExecuted')
export class PaperTradeExecutedDto {
  @Field({ description: 'Order id (the webhook-id of its `paper.trade` message derives from it)' })
  orderId!: string;
  @Field() accountId!: string;
  @Field() accountName!: string;
  @Field({ description: 'Base asset, BTC' }) symbol!: string;
  @Field({ description: 'Exchange pair, BTCUSDT' }) pair!: string;
  @Field() interval!: string;
  @Field(() => String, { description: 'BUY or SELL' }) side!: 'BUY' | 'SELL';
  @Field({ description: 'signal, stop-loss, take-profit or end (the account closed)' })
  reason!: string;
  @Field(() => Date, {
    nullable: true,
    description: 'The candle whose close decided it (signal orders only)',
  })
  decisionTime!: Date | null;
  @Field({ description: 'When it filled' }) fillTime!: Date;
  @Field(() => Float) price!: number;
  @Field(() => Float) quantity!: number;
  @Field(() => Float) fee!: number;
  @Field(() => PaperTradeDto, {
    nullable: true,
    description: 'The round trip a sell completed (as GET /paper-accounts/{id}/trades lists it)',
  })
  trade!: PaperTradeDto | null;
  @Field({ description: 'When the worker committed it' }) executedAt!: Date;
}

/** The subscription's and webhook's view of a `paper.trade` message. */
export function paperTradeExecutedDto(event: PaperTradeEvent): PaperTradeExecutedDto {
  const { trade } = event;
  return Object.assign(new PaperTradeExecutedDto(), {
    orderId: event.orderId,
    accountId: event.accountId,
    accountName: event.accountName,
    symbol: event.symbol,
    pair: event.pair,
    interval: event.interval,
    side: event.side,
    reason: event.reason,
    decisionTime: event.decisionTime === null ? null : new Date(event.decisionTime),
    fillTime: new Date(event.fillTime),
    price: event.price,
    quantity: event.quantity,
    fee: event.fee,
    trade: trade
      ? Object.assign(new PaperTradeDto(), {
          symbol: event.symbol,
          entryTime: new Date(trade.entryTime),
          entryPrice: trade.entryPrice,
          exitTime: new Date(trade.exitTime),
          exitPrice: trade.exitPrice,
          quantity: trade.quantity,
          fees: trade.fees,
          profit: trade.profit,
          returnPct: trade.returnPct,
          exitReason: trade.exitReason,
        })
      : null,
    executedAt: new Date(event.executedAt),
  });
}
