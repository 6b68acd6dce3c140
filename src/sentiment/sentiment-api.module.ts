import { Module } from '@nestjs/common';
import { SentimentAdminController } from './sentiment-admin.controller';
import { SentimentController } from './sentiment.controller';
import { SentimentModule } from './sentiment.module';
import { SentimentResolver } from './sentiment.resolver';

@Module({
  imports: [SentimentModule],
  controllers: [SentimentController, SentimentAdminController],
  providers: [SentimentResolver],
})
export class SentimentApiModule {}
