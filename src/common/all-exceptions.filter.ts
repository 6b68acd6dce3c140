import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { mapError } from './error-response';

interface GraphQLContextLike {
  req?: FastifyRequest;
  reply?: FastifyReply;
}

/** Maps every error to one REST shape, or to a GraphQL error with `extensions.code`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const type = host.getType<'http' | 'graphql' | 'rpc' | 'ws'>();
    if (type === 'graphql') {
      const context = host.getArgByIndex<GraphQLContextLike | undefined>(2);
      const requestId = context?.req?.id;
      const { body, unexpected } = mapError(exception, requestId);
      this.logIfUnexpected(exception, unexpected, requestId);
      return new GraphQLError(body.message, {
        extensions: {
          code: body.code,
          statusCode: body.statusCode,
          ...(body.details === undefined ? {} : { details: body.details }),
          ...(requestId ? { requestId } : {}),
        },
      });
    }
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { body, unexpected, headers } = mapError(exception, request.id);
    this.logIfUnexpected(exception, unexpected, request.id);
    if (headers) {
      void reply.headers(headers);
    }
    void reply.status(body.statusCode).send(body);
    return undefined;
  }

  private logIfUnexpected(exception: unknown, unexpected: boolean, requestId?: string): void {
    if (unexpected) {
      this.logger.error(
        { err: exception, requestId },
        `Request ${requestId ?? '(no id)'} failed with an unexpected error`,
      );
    }
  }
}
