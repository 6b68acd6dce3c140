import { ArgsType } from '@nestjs/graphql';
import { LimitQueryField, OffsetQueryField } from './query-fields';

/** The page size of lists read by position, and of a paper account's equity. */
export const OFFSET_PAGE_LIMIT = {
  default: 500,
  maximum: 5000,
  graphqlDescription: 'Default 500, at most 5000',
};

/** `?offset=&limit=` of a list read in pages by position (trades of a backtest or account). */
@ArgsType()
export class OffsetPageQueryDto {
  @OffsetQueryField({ graphqlDescription: 'Default 0' })
  offset?: number;
  @LimitQueryField(OFFSET_PAGE_LIMIT)
  limit?: number;
}
