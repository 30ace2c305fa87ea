import { Module } from '@nestjs/common';
import { MetricsModule } from '@libs/observability';
import { AccountRegistry } from '../accounts/account-registry.service';
import { ACCOUNT_SOURCES, type AccountSource } from '../accounts/account-source';
import { FileAccountSource } from '../accounts/accounts-file.source';
import { RegistryAccountSource } from '../accounts/registry-account.source';
import { SmtpIngestServer } from '../ingest/smtp-ingest.server';
import { SmtpSessionHandler } from '../ingest/smtp-session.handler';
import { HourlyBudgets } from '../limits/hourly-budget';
import { TokenManager } from '../tokens/token-manager.service';
import { ProviderBreakers } from '../upstream/provider-breakers';
import { UpstreamDelivery } from '../upstream/upstream-delivery.service';
import { UpstreamPools } from '../upstream/upstream-pools.service';
import { RelayMetrics } from './relay.metrics';
import { RelayService } from './relay.service';

/**
 * The relay: account sources and registry, tokens, upstream pools and delivery, and the SMTP
 * listener. The file comes first among the sources: it wins a mailbox the registry also has.
 */
@Module({
  imports: [MetricsModule],
  providers: [
    RelayMetrics,
    FileAccountSource,
    RegistryAccountSource,
    {
      provide: ACCOUNT_SOURCES,
      inject: [FileAccountSource, RegistryAccountSource],
      useFactory: (file: FileAccountSource, registry: RegistryAccountSource): AccountSource[] => [
        file,
        registry,
      ],
    },
    AccountRegistry,
    ProviderBreakers,
    TokenManager,
    UpstreamPools,
    UpstreamDelivery,
    HourlyBudgets,
    RelayService,
    SmtpSessionHandler,
    SmtpIngestServer,
  ],
  exports: [AccountRegistry, SmtpIngestServer, TokenManager, ProviderBreakers, UpstreamPools],
})
export class RelayModule {}
