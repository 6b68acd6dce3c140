import { ApiKeyEntity } from '../auth/api-key.entity';
import { CandleEntity } from '../market-data/candle.entity';

/** Every TypeORM entity, listed once: the data source and the migration checks read this. */
export const ENTITIES = [ApiKeyEntity, CandleEntity];
