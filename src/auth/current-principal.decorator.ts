import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { AuthException } from './auth.exception';

export function requestOf(context: ExecutionContext): FastifyRequest {
  if (context.getType<'http' | 'graphql'>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: FastifyRequest }>().req;
  }
  return context.switchToHttp().getRequest<FastifyRequest>();
}

/** The caller's principal; the access guard has already made sure there is one. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => {
    const principal = requestOf(context).principal;
    if (!principal) {
      throw new AuthException('UNAUTHENTICATED', 'This operation needs an API key');
    }
    return principal;
  },
);
