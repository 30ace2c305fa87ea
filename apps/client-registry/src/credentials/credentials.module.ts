import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { KeyRing } from '@libs/crypto';
import { CredentialCipher } from './credential-cipher';
import { CredentialEventsRelay } from './credential-events.relay';
import { CredentialRepository } from './credential.repository';
import { CredentialsConsumer } from './credentials.consumer';
import { CredentialsOutboxRepository } from './credentials-outbox.repository';
import { CredentialsService } from './credentials.service';
import { DataKeyRepository } from './data-key.repository';
import { keyRingProvider } from './key-ring.provider';

/** Users' provider credentials: encrypted storage, RPC and change events. */
@Module({
  controllers: [CredentialsConsumer],
  providers: [
    DataKeyRepository,
    keyRingProvider,
    CredentialCipher,
    CredentialRepository,
    CredentialsOutboxRepository,
    CredentialEventsRelay,
    CredentialsService,
  ],
  exports: [CredentialsService],
})
export class CredentialsModule implements OnApplicationShutdown {
  constructor(private readonly ring: KeyRing) {}

  onApplicationShutdown(): void {
    this.ring.close();
  }
}
