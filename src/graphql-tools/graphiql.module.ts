import { Module } from '@nestjs/common';
import { GraphiqlRoutes } from './graphiql.routes';

/** GraphiQL at /graphiql (imported by the api where GRAPHIQL is on: by default, not production). */
@Module({ providers: [GraphiqlRoutes] })
export class GraphiqlModule {}
