import { Module } from '@nestjs/common';
import { SentimentController } from './sentiment.controller';
import { SentimentModule } from './sentiment.module';
import { SentimentResolver } from './sentiment.resolver';

@Module({
  imports: [SentimentModule],
  controllers: [SentimentController],
  providers: [SentimentResolver],
})
export class SentimentApiModule {}
