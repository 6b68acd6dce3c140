import { Field, ObjectType } from '@nestjs/graphql';
import { CandleDto } from '../market-data/dto/candles.dto';

@ObjectType('CandleClosed')
export class CandleClosedDto {
  @Field({ description: 'Base asset, BTC' }) symbol!: string;
  @Field({ description: 'Exchange pair, BTCUSDT' }) pair!: string;
  @Field() interval!: string;
  @Field(() => CandleDto) candle!: CandleDto;
}
