import { Module } from '@nestjs/common';
import { MetricsModule } from '@libs/observability';
import { AccountRegistry } from '../accounts/account-registry.service';
import { ACCOUNT_SOURCES, type AccountSource } from '../accounts/account-source';
import { FileAccountSource } from '../accounts/accounts-file.source';
import { SmtpIngestServer } from '../ingest/smtp-ingest.server';
import { SmtpSessionHandler } from '../ingest/smtp-session.handler';
import { TokenManager } from '../tokens/token-manager.service';
import { ProviderBreakers } from '../upstream/provider-breakers';
import { UpstreamDelivery } from '../upstream/upstream-delivery.service';
import { UpstreamPools } from '../upstream/upstream-pools.service';
import { RelayMetrics } from './relay.metrics';
import { RelayService } from './relay.service';

/**
 * The relay: account sources and registry, tokens, upstream pools and delivery, and the SMTP
 * listener. A second account source (the registry's credentials) joins ACCOUNT_SOURCES.
 */
@Module({
  imports: [MetricsModule],
  providers: [
    RelayMetrics,
    FileAccountSource,
    {
      provide: ACCOUNT_SOURCES,
      inject: [FileAccountSource],
      useFactory: (file: FileAccountSource): AccountSource[] => [file],
    },
    AccountRegistry,
    ProviderBreakers,
    TokenManager,
    UpstreamPools,
    UpstreamDelivery,
    RelayService,
    SmtpSessionHandler,
    SmtpIngestServer,
  ],
  exports: [AccountRegistry, SmtpIngestServer, TokenManager, ProviderBreakers, UpstreamPools],
})
export class RelayModule {}
