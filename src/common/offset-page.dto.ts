import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArgsType, Field, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `?offset=&limit=` of a list read in pages by position (trades of a backtest or account). */
@ArgsType()
export class OffsetPageQueryDto {
  @ApiPropertyOptional({ default: 0 })
  @Field(() => Int, { nullable: true, description: 'Default 0' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
  @ApiPropertyOptional({ default: 500, maximum: 5000 })
  @Field(() => Int, { nullable: true, description: 'Default 500, at most 5000' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;
}
