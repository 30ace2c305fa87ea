import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { ConfigModule, type BaseConfig } from '@libs/config';
import {
  HealthModule,
  LoggingModule,
  MetricsModule,
  type LoggingOptions,
  type ReadinessCheck,
} from '@libs/observability';
import { RedisHealthCheck, RedisModule } from '@libs/redis';

/** A store an app connects to, and the check readiness runs on it (none: not part of readiness). */
export interface CoreStore {
  module: Type;
  readiness?: Type<ReadinessCheck>;
}

export interface CoreOptions {
  /**
   * PostgreSQL, for the apps that keep state in it (`databaseStore()` of `@libs/database`).
   * Passed in rather than imported here so that apps storing nothing (event-consumer, mail-relay)
   * never load TypeORM or open a pool: that is ~300 modules and several MB of heap.
   */
  database?: CoreStore;
  /** Connect to Redis and let readiness depend on it (default true). */
  redis?: boolean;
  /** One log line per HTTP request (default true). */
  requestLogs?: boolean;
  /** Hot routes kept out of the request logger and correlation middleware. */
  bypass?: LoggingOptions['bypass'];
}

/**
 * What every Portico app is made of: validated config, JSON logs with correlation ids,
 * Prometheus metrics, health probes, the Redis connection and, where the app keeps state there,
 * the PostgreSQL connection.
 */
@Module({})
export class CoreModule {
  static forRoot(config: BaseConfig, options: CoreOptions = {}): DynamicModule {
    const { database, redis = true } = options;
    const checks: Type<ReadinessCheck>[] = [];
    const stores: Type[] = [];
    if (database) {
      stores.push(database.module);
      if (database.readiness) checks.push(database.readiness);
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
