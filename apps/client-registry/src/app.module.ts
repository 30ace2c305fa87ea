import { Module, type DynamicModule } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { ClientRegistryConfig } from '@libs/config';
import { databaseStore } from '@libs/database';
import { MessagingModule, RedisStreamsServer } from '@libs/messaging';
import { CoreModule, type AppDefinition } from '@libs/platform';
import { ClientsModule } from './clients/clients.module';
import { CredentialsModule } from './credentials/credentials.module';

/** The RPC service name: requests arrive on `stream:rpc:client-registry`. */
export const REGISTRY_SERVICE = 'client-registry';

@Module({})
export class AppModule {
  static forRoot(config: ClientRegistryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, { database: databaseStore() }),
        MessagingModule,
        ClientsModule,
        CredentialsModule,
      ],
    };
  }
}

/** The registry: HTTP (operator REST, probes) plus the RPC server over Redis Streams. */
export function defineApp(config: ClientRegistryConfig): AppDefinition {
  return {
    config,
    module: AppModule.forRoot(config),
    openApi: {
      title: 'Portico client registry',
      description:
        'Operator API over API clients (bearer ADMIN_TOKEN). Secret hashes never appear.',
    },
    transports: (app) => [
      new RedisStreamsServer({
        redis: config.redis,
        instanceId: config.app.instanceId,
        rpc: { service: REGISTRY_SERVICE },
        registry: app.get(Registry),
        shutdownTimeoutMs: config.shutdown.timeoutMs,
      }),
    ],
  };
}
