import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/**
 * nestjs-pino over the shared root logger, so class loggers (`new Logger(Class.name)`) write the
 * same JSON lines as the rest of the service. Its per-request middleware is left out
 * (`forRoutes: []`): it runs every request through middie and AsyncLocalStorage, which cost about
 * a third of the api's throughput in `npm run bench:http`. The one line per request is written by
 * the access log (`access-log.ts`, with the request id); class loggers name the ids they concern
 * in their messages.
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
          forRoutes: [],
          renameContext: 'logger',
        }),
      ],
    };
  }
}
