import { ArgsType, Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MaxLength } from 'class-validator';

@ArgsType()
export class CandlesQueryDto {
  @ApiPropertyOptional({ description: 'Candle interval; default: the longest configured one', example: '1h' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(8)
  interval?: string;

  @ApiPropertyOptional({ description: 'First open time, ISO-8601 or epoch milliseconds', example: '2021-01-01T00:00:00Z' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ description: 'Last open time, ISO-8601 or epoch milliseconds' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ description: 'Candles per page', default: 500, minimum: 1, maximum: 1000 })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  cursor?: string;
}

@ObjectType('Candle')
export class CandleDto {
  @ApiProperty({ type: String, format: 'date-time' })
  @Field()
  openTime!: Date;

  @ApiProperty() @Field(() => Float) open!: number;
  @ApiProperty() @Field(() => Float) high!: number;
  @ApiProperty() @Field(() => Float) low!: number;
  @ApiProperty() @Field(() => Float) close!: number;

  @ApiProperty({ description: 'Base-asset volume' })
  @Field(() => Float)
  volume!: number;

  @ApiPropertyOptional({ type: Number, nullable: true })
  @Field(() => Float, { nullable: true })
  quoteVolume!: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  @Field(() => Int, { nullable: true })
  tradeCount!: number | null;
}

@ObjectType('CandlePage')
export class CandlePageDto {
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;
  @ApiProperty({ example: 'BTCUSDT' }) @Field() pair!: string;
  @ApiProperty({ example: '1h' }) @Field() interval!: string;
  @ApiProperty({ type: [CandleDto] }) @Field(() => [CandleDto]) candles!: CandleDto[];

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  @Field(() => String, { nullable: true })
  nextCursor!: string | null;
}

@ObjectType('Market')
export class MarketDto {
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;
  @ApiProperty({ example: 'BTCUSDT' }) @Field() pair!: string;
  @ApiProperty({ example: '1h' }) @Field() interval!: string;
  @ApiProperty({ example: 'binanceus' }) @Field() exchange!: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @Field(() => Date, { nullable: true })
  firstOpenTime!: Date | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @Field(() => Date, { nullable: true })
  lastOpenTime!: Date | null;

  @ApiProperty({ description: 'Stored candles' })
  @Field(() => Float)
  count!: number;

  @ApiProperty({ description: 'Candles missing between the first and the last on the interval grid' })
  @Field(() => Float)
  missing!: number;
}
