import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import {
  CreatePaperAccountDto,
  PaperAccountDto,
  PaperEquityArgs,
  PaperEquityPageDto,
  PaperPositionDto,
  PaperTradeDto,
  PaperTradesArgs,
  SetPaperAccountStatusArgs,
} from './dto/paper.dto';
import { PaperAccountsService } from './paper-accounts.service';

/** Paper accounts over GraphQL: the same service calls as `/paper-accounts` and its admin routes. */
@Resolver()
export class PaperAccountsResolver {
  constructor(private readonly accounts: PaperAccountsService) {}

  @Query(() => [PaperAccountDto], {
    description: 'Paper accounts, oldest first, with their figures',
  })
  @Access('client')
  paperAccounts(): Promise<PaperAccountDto[]> {
    return this.accounts.list();
  }

  @Query(() => PaperAccountDto, {
    description: 'One paper account with its figures next to buy-and-hold and a backtest',
  })
  @Access('client')
  paperAccount(@Args('id', { type: () => ID }) id: string): Promise<PaperAccountDto> {
    return this.accounts.get(id);
  }

  @Query(() => [PaperTradeDto], { description: "A paper account's round trips, in order of exit" })
  @Access('client')
  paperTrades(@Args() args: PaperTradesArgs): Promise<PaperTradeDto[]> {
    const { id, ...page } = args;
    return this.accounts.trades(id, page);
  }

  @Query(() => [PaperPositionDto], {
    description: "Each market's book of a paper account: cash, open position, mark price",
  })
  @Access('client')
  paperPositions(@Args('id', { type: () => ID }) id: string): Promise<PaperPositionDto[]> {
    return this.accounts.positions(id);
  }

  @Query(() => PaperEquityPageDto, {
    description: "A paper account's equity at each closed candle, a page at a time",
  })
  @Access('client')
  paperEquity(@Args() args: PaperEquityArgs): Promise<PaperEquityPageDto> {
    const { id, ...query } = args;
    return this.accounts.equity(id, query);
  }

  @Mutation(() => PaperAccountDto, {
    description:
      "Open a paper account following a strategy version's live signals (idempotent by name; admin)",
  })
  @Access('admin')
  openPaperAccount(@Args('input') input: CreatePaperAccountDto): Promise<PaperAccountDto> {
    return this.accounts.create(input);
  }

  @Mutation(() => PaperAccountDto, {
    description: 'Pause (decisions ignored, positions and guards kept) or resume (admin)',
  })
  @Access('admin')
  setPaperAccountStatus(@Args() args: SetPaperAccountStatusArgs): Promise<PaperAccountDto> {
    return this.accounts.setStatus(args.id, args.status);
  }

  @Mutation(() => PaperAccountDto, {
    description: 'Close a paper account: open positions sold at their last close (admin)',
  })
  @Access('admin')
  closePaperAccount(@Args('id', { type: () => ID }) id: string): Promise<PaperAccountDto> {
    return this.accounts.close(id);
  }
}
