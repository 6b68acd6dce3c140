import { ApiKeyEntity } from '../auth/api-key.entity';

/** Every TypeORM entity, listed once: the data source and the migration checks read this. */
export const ENTITIES = [ApiKeyEntity];
