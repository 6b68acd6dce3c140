import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/**
 * nestjs-pino over the shared root logger. In the api, Fastify already gives every request a
 * child logger carrying its request id (`useExisting`), and class loggers inside a request use it.
 */
@Module({})
export class LoggingModule {
  static forRoot(rootLogger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: { logger: rootLogger, autoLogging: false },
          useExisting: true,
          renameContext: 'logger',
        }),
      ],
    };
  }
}
