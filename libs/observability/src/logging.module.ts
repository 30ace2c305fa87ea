import {
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { requestCorrelationId } from './correlation';
import { CorrelationMiddleware } from './correlation.middleware';
import { pinoOptions } from './pino-options';

export interface LoggingOptions {
  app: string;
  level: string;
  /** Log one line per HTTP request (health and metrics scrapes are never logged). */
  requestLogs?: boolean;
}

const QUIET_ROUTES = /^\/(health|metrics)(\/|$)/;

/** nestjs-pino configured with Portico's JSON format, redaction and correlation ids. */
@Module({})
export class LoggingModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }

  static forRoot(options: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            ...pinoOptions(options.app, options.level),
            genReqId: (req: IncomingMessage) => requestCorrelationId(req),
            customAttributeKeys: { reqId: 'correlationId' },
            autoLogging: {
              ignore: (req: IncomingMessage) =>
                options.requestLogs === false || QUIET_ROUTES.test(req.url ?? ''),
            },
            serializers: {
              req: (req: { id: unknown; method: string; url: string }) => ({
                method: req.method,
                url: req.url,
              }),
            },
          },
        }),
      ],
    };
  }
}
