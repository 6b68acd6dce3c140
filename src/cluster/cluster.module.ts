import { Global, Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { HotPath } from './hot-path';
import { MarketShards } from './market-shards.service';

/**
 * Worker role: how worker processes share the live path (market shards by rendezvous hashing)
 * and how, inside one process, the live path comes before background jobs (HotPath).
 */
@Global()
@Module({
  imports: [MarketDataModule],
  providers: [MarketShards, HotPath],
  exports: [MarketShards, HotPath],
})
export class ClusterModule {}
