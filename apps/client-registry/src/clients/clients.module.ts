import { Module } from '@nestjs/common';
import { CacheKeys } from '@libs/caching';
import { Keyspace } from '@libs/redis';
import { OutboxRelay } from '../outbox/outbox.relay';
import { OutboxRepository } from '../outbox/outbox.repository';
import { AdminClientsController } from './admin-clients.controller';
import { ClientCache } from './client-cache';
import { ClientRepository } from './client.repository';
import { ClientsConsumer } from './clients.consumer';
import { ClientsService } from './clients.service';

@Module({
  controllers: [AdminClientsController, ClientsConsumer],
  providers: [
    {
      provide: CacheKeys,
      inject: [Keyspace],
      useFactory: (keyspace: Keyspace) => new CacheKeys(keyspace),
    },
    ClientRepository,
    ClientCache,
    ClientsService,
    OutboxRepository,
    OutboxRelay,
  ],
  exports: [ClientsService],
})
export class ClientsModule {}
