import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import type { PaperTradeEvent } from '../paper-events';
import { PaperTradeDto } from './paper.dto';

const ORDER_ID = 'Order id (the webhook-id of its `paper.trade` message derives from it)';
const REASON = 'signal, stop-loss, take-profit or end (the account closed)';
const DECISION_TIME = 'The candle whose close decided it (signal orders only)';
const TRADE = 'The round trip a sell completed (as GET /paper-accounts/{id}/trades lists it)';

/**
 * A paper order filled: what the `paperTradeExecuted` subscription and the `paper.trade` webhook
 * carry (the same shape both ways).
 */
@ObjectType('PaperTradeExecuted')
export class PaperTradeExecutedDto {
  @ApiProperty({ format: 'uuid', description: ORDER_ID })
  @Field(() => ID, { description: ORDER_ID })
  orderId!: string;
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) accountId!: string;
  @ApiProperty() @Field() accountName!: string;
  @ApiProperty({ description: 'Base asset, BTC' })
  @Field({ description: 'Base asset, BTC' })
  symbol!: string;
  @ApiProperty({ description: 'Exchange pair, BTCUSDT' })
  @Field({ description: 'Exchange pair, BTCUSDT' })
  pair!: string;
  @ApiProperty() @Field() interval!: string;
  @ApiProperty({ enum: ['BUY', 'SELL'] })
  @Field(() => String, { description: 'BUY or SELL' })
  side!: 'BUY' | 'SELL';
  @ApiProperty({ enum: ['signal', 'stop-loss', 'take-profit', 'end'], description: REASON })
  @Field({ description: REASON })
  reason!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: DECISION_TIME })
  @Field(() => Date, { nullable: true, description: DECISION_TIME })
  decisionTime!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', description: 'When it filled' })
  @Field({ description: 'When it filled' })
  fillTime!: Date;
  @ApiProperty() @Field(() => Float) price!: number;
  @ApiProperty() @Field(() => Float) quantity!: number;
  @ApiProperty() @Field(() => Float) fee!: number;
  @ApiProperty({ type: PaperTradeDto, nullable: true, description: TRADE })
  @Field(() => PaperTradeDto, { nullable: true, description: TRADE })
  trade!: PaperTradeDto | null;
  @ApiProperty({ type: String, format: 'date-time', description: 'When the worker committed it' })
  @Field({ description: 'When the worker committed it' })
  executedAt!: Date;
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
