import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { RedisConfig, type AuthConfig } from '@libs/config';
import { databaseStore } from '@libs/database';
import { MessagingModule } from '@libs/messaging';
import { CoreModule, type AppDefinition } from '@libs/platform';
import { createRedis, Keyspace } from '@libs/redis';
import { RecordsModule } from './records/records.module';
import { OAuthModule } from './token/oauth.module';

@Module({})
export class AppModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, {
          // Readiness leaves PostgreSQL out: auth serves cached clients without it, and pulling
          // every pod out of rotation during a database outage would stop all token issuance.
          database: databaseStore({ readiness: false }),
          // The OAuth endpoints are the hot path: no per-request log line or correlation scope
          // (failures are logged, every request is in the metrics).
          bypass: ['oauth2/token', 'oauth2/introspect', 'oauth2/revoke'].map((path) => ({
            path,
            method: RequestMethod.POST,
          })),
        }),
        MessagingModule,
        BullModule.forRootAsync({
          inject: [RedisConfig, Keyspace],
          // BullMQ's keys share the `{portico}` hash tag so its Lua scripts stay on one Cluster slot.
          useFactory: (redis: RedisConfig, keyspace: Keyspace) => ({
            connection: createRedis(redis, {
              maxRetriesPerRequest: null,
              enableAutoPipelining: false,
            }),
            prefix: keyspace.key('{portico}'),
          }),
        }),
        RecordsModule.forRoot({ worker: config.flush.worker }),
        OAuthModule,
      ],
    };
  }
}

/** The auth server (HTTP only: its streams are read by the services it owns). */
export function defineApp(config: AuthConfig): AppDefinition {
  return { config, module: AppModule.forRoot(config) };
}
