import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { Access, type AccessLevel } from './access.decorator';
import { AuthException } from './auth.exception';
import { requestOf } from './current-principal.decorator';

const FAILURE_MESSAGES = {
  missing: 'Missing API key: send it as `x-api-key: <key>` or `Authorization: Bearer <key>`',
  unknown: 'Unknown API key',
  revoked: 'This API key has been revoked',
} as const;

/**
 * Checks every REST route and GraphQL field against its `@Access` level. The key itself was
 * already resolved by the authentication hook (before rate limiting), so this only decides.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  /** Each handler's level, read from its metadata once (metadata does not change at run time). */
  private readonly levels = new WeakMap<object, AccessLevel>();

  canActivate(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let level = this.levels.get(handler);
    if (level === undefined) {
      level = this.reflector.getAllAndOverride(Access, [handler, context.getClass()]) ?? 'client';
      this.levels.set(handler, level);
    }
    if (level === 'public') {
      return true;
    }
    const request = requestOf(context);
    if (level === 'public-read' && this.config.get('PUBLIC_READ')) {
      return true;
    }
    const principal = request.principal;
    if (!principal) {
      throw new AuthException(
        'UNAUTHENTICATED',
        FAILURE_MESSAGES[request.authFailure ?? 'missing'],
      );
    }
    if (level === 'admin' && principal.role !== 'admin') {
      throw new AuthException(
        'FORBIDDEN',
        `This operation needs an admin key; key ${principal.prefix}… has role ${principal.role}`,
      );
    }
    return true;
  }
}
