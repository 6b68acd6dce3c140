import { GraphQLSchemaHost } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { stringify } from 'yaml';
import type { AppConfig } from '../config/app-config';
import { buildOpenApiDocument, createHttpApp } from '../http-app';
import { createRootLogger } from '../logging/root-logger';

/** openapi.yaml and schema.gql as the code produces them (the committed copies are checked by a test). */
export async function renderContracts(
  config: AppConfig,
): Promise<{ openapi: string; schema: string }> {
  const rootLogger = createRootLogger(config, 'cli');
  rootLogger.level = 'warn';
  const app = await createHttpApp({ config, rootLogger, roles: { api: true, worker: false } });
  try {
    const openapi = stringify(buildOpenApiDocument(app), { sortMapEntries: false, lineWidth: 0 });
    const schema = printSchema(lexicographicSortSchema(app.get(GraphQLSchemaHost).schema));
    return { openapi, schema };
  } finally {
    await app.close();
  }
}
