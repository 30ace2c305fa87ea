import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { ConfigModule, type BaseConfig } from '@libs/config';
import { DatabaseHealthCheck, DatabaseModule } from '@libs/database';
import {
  HealthModule,
  LoggingModule,
  MetricsModule,
  type LoggingOptions,
  type ReadinessCheck,
} from '@libs/observability';
import { RedisHealthCheck, RedisModule } from '@libs/redis';

export interface CoreOptions {
  /** Connect to PostgreSQL and let readiness depend on it (default true). */
  database?: boolean;
  /**
   * Let readiness depend on PostgreSQL (default true). Auth turns it off: it serves cached
   * clients without the database, and pulling every pod out of rotation during a database
   * outage would stop all token issuance instead of none.
   */
  databaseReadiness?: boolean;
  /** Connect to Redis and let readiness depend on it (default true). */
  redis?: boolean;
  /** One log line per HTTP request (default true). */
  requestLogs?: boolean;
  /** Hot routes kept out of the request logger and correlation middleware. */
  bypass?: LoggingOptions['bypass'];
}

/**
 * What every Portico app is made of: validated config, JSON logs with correlation ids,
 * Prometheus metrics, health probes, and the PostgreSQL and Redis connections.
 */
@Module({})
export class CoreModule {
  static forRoot(config: BaseConfig, options: CoreOptions = {}): DynamicModule {
    const { database = true, redis = true } = options;
    const checks: Type<ReadinessCheck>[] = [];
    const stores: Type[] = [];
    if (database) {
      stores.push(DatabaseModule);
      if (options.databaseReadiness !== false) checks.push(DatabaseHealthCheck);
    }
    if (redis) {
      stores.push(RedisModule);
      checks.push(RedisHealthCheck);
    }
    return {
      module: CoreModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot({
          app: config.app.name,
          level: config.log.level,
          requestLogs: options.requestLogs,
          bypass: options.bypass,
        }),
        MetricsModule,
        ...stores,
        HealthModule.forRoot({ checks }),
      ],
      exports: [MetricsModule],
    };
  }
}
