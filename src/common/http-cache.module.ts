import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { registerConditionalGet } from './http-cache';

/** Adds the conditional-GET hook to the api's Fastify instance while routes can still take hooks. */
@Injectable()
class ConditionalGetRegistration implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    registerConditionalGet(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
  }
}

/** HTTP caching of the api: 304 on If-None-Match for every read that sets an ETag (`@CachedRead`). */
@Module({ providers: [ConditionalGetRegistration] })
export class HttpCacheModule {}
