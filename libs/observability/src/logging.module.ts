import {
  Inject,
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
  /**
   * Hot routes that skip the request logger and the correlation middleware entirely (their
   * handlers log failures themselves; metrics still count every request).
   */
  bypass?: { path: string; method: RequestMethod }[];
}

const LOGGING_OPTIONS = Symbol('LOGGING_OPTIONS');
const ALL_ROUTES = { path: '{*path}', method: RequestMethod.ALL };

const QUIET_ROUTES = /^\/(health|metrics)(\/|$)/;

/** nestjs-pino configured with Portico's JSON format, redaction and correlation ids. */
@Module({})
export class LoggingModule implements NestModule {
  constructor(@Inject(LOGGING_OPTIONS) private readonly options: LoggingOptions) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(CorrelationMiddleware)
      .exclude(...(this.options.bypass ?? []))
      .forRoutes(ALL_ROUTES);
  }

  static forRoot(options: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: LOGGING_OPTIONS, useValue: options }],
      imports: [
        LoggerModule.forRoot({
          forRoutes: [ALL_ROUTES],
          exclude: options.bypass ?? [],
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
