import { Global, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { registerConditionalGet } from './http-cache';
import { ValidatorMemo } from './validator-memo';

/** Adds the conditional-GET hook to the api's Fastify instance while routes can still take hooks. */
@Injectable()
class ConditionalGetRegistration implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly memo: ValidatorMemo,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    this.memo.register(fastify);
    registerConditionalGet(fastify);
  }
}

/**
 * HTTP caching of the api: 304 on If-None-Match for every read that sets an ETag (`@CachedRead`),
 * from the validator memo before the handler when the ETag was just sent.
 */
@Global()
@Module({ providers: [ConditionalGetRegistration, ValidatorMemo], exports: [ValidatorMemo] })
export class HttpCacheModule {}
