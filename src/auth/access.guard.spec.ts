import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { Access } from './access.decorator';
import { AccessGuard } from './access.guard';
import type { Principal } from './principal';

@Controller()
class ExampleController {
  @Get('open') @Access('public') open(): void {}
  @Get('market') @Access('public-read') market(): void {}
  @Get('default') plain(): void {}
  @Get('admin') @Access('admin') admin(): void {}
}

const admin: Principal = { apiKeyId: 'a', name: 'ops', role: 'admin', prefix: 'cft_admin' };
const client: Principal = { apiKeyId: 'c', name: 'bot', role: 'client', prefix: 'cft_client' };

function contextFor(handler: keyof ExampleController, request: object): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => ExampleController.prototype[handler],
    getClass: () => ExampleController,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

function decide(guard: AccessGuard, handler: keyof ExampleController, request: object): string {
  try {
    return guard.canActivate(contextFor(handler, request)) ? 'allowed' : 'denied';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('AccessGuard', () => {
  const closed = new AccessGuard(new Reflector(), AppConfig.fromEnv({}));
  const open = new AccessGuard(new Reflector(), AppConfig.fromEnv({ PUBLIC_READ: 'true' }));

  it.each([
    ['open', {}, 'allowed', 'allowed'],
    ['market', {}, 'UNAUTHENTICATED', 'allowed'],
    ['market', { principal: client }, 'allowed', 'allowed'],
    ['plain', {}, 'UNAUTHENTICATED', 'UNAUTHENTICATED'],
    ['plain', { principal: client }, 'allowed', 'allowed'],
    ['admin', { principal: client }, 'FORBIDDEN', 'FORBIDDEN'],
    ['admin', { principal: admin }, 'allowed', 'allowed'],
    ['admin', { authFailure: 'revoked' }, 'UNAUTHENTICATED', 'UNAUTHENTICATED'],
  ] as const)(
    '%s with %j: %s, and with PUBLIC_READ=true: %s',
    (handler, request, withoutPublicRead, withPublicRead) => {
      expect(decide(closed, handler, request)).toBe(withoutPublicRead);
      expect(decide(open, handler, request)).toBe(withPublicRead);
    },
  );
});
