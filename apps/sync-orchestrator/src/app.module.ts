import { Module, type DynamicModule } from '@nestjs/common';
import type { SyncOrchestratorConfig } from '@libs/config';
import { databaseStore } from '@libs/database';
import { MessagingModule } from '@libs/messaging';
import { CoreModule } from '@libs/platform';
import { CredentialsModule } from './credentials/credentials.module';
import type { DiscogsTokenStore } from './credentials/discogs-token.store';
import { SyncModule } from './sync/sync.module';
import { WebModule } from './web/web.module';

export interface SyncOrchestratorOptions {
  /** Where users' Discogs tokens go (tests pass a fake; production wires the registry RPC). */
  discogsTokenStore?: DiscogsTokenStore;
}

@Module({})
export class AppModule {
  static forRoot(
    config: SyncOrchestratorConfig,
    options: SyncOrchestratorOptions = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, { database: databaseStore() }),
        MessagingModule,
        SyncModule,
        CredentialsModule.forRoot(options.discogsTokenStore),
        WebModule,
      ],
    };
  }
}
