import { ApiKeyEntity } from '../auth/api-key.entity';
import { CandleEntity } from '../market-data/candle.entity';
import { KnownGapEntity } from '../market-data/known-gap.entity';
import { ModelArtifactEntity } from '../models/model-artifact.entity';
import { ModelVersionEntity } from '../models/model-version.entity';
import { PredictionEntity } from '../models/prediction.entity';
import { ModelSearchEntity, ModelSearchTrialEntity } from '../models/search/model-search.entity';
import {
  PaperAccountEntity,
  PaperEquityEntity,
  PaperFillEntity,
  PaperOrderEntity,
  PaperPositionEntity,
  PaperTradeEntity,
} from '../paper/paper.entities';
import { SentimentPointEntity } from '../sentiment/sentiment-point.entity';
import { BacktestEntity } from '../strategy/backtest.entity';
import { SignalEntity } from '../strategy/signal.entity';
import { StrategyEntity } from '../strategy/strategy.entity';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';
import { WebhookMessageEntity } from '../webhooks/webhook-message.entity';
import { WebhookSubscriptionEntity } from '../webhooks/webhook-subscription.entity';

/** Every TypeORM entity, listed once: the data source and the migration checks read this. */
export const ENTITIES = [
  ApiKeyEntity,
  CandleEntity,
  KnownGapEntity,
  SentimentPointEntity,
  ModelVersionEntity,
  ModelArtifactEntity,
  PredictionEntity,
  ModelSearchEntity,
  ModelSearchTrialEntity,
  StrategyEntity,
  SignalEntity,
  BacktestEntity,
  WebhookSubscriptionEntity,
  WebhookMessageEntity,
  WebhookDeliveryEntity,
  PaperAccountEntity,
  PaperPositionEntity,
  PaperOrderEntity,
  PaperFillEntity,
  PaperTradeEntity,
  PaperEquityEntity,
];
