import { Module } from '@nestjs/common';
import { MetricsModule } from '@libs/observability';
import { AuthModule } from '../auth/auth.module';
import { DiscogsItemRepository } from './discogs-item.repository';
import { DriverLease } from './driver-lease';
import { SyncController } from './sync.controller';
import { SyncEngine } from './sync-engine.service';
import { SyncGateway } from './sync.gateway';
import { SyncMessenger } from './sync-messenger';
import { SyncMetrics } from './sync.metrics';
import { SyncNotices } from './sync-notices';
import { SyncRequestRepository } from './sync-request.repository';
import { SyncService } from './sync.service';
import { SyncSessionRepository } from './sync-session.repository';

/** Discogs syncs: REST to start, watch and cancel; the `/sync` socket.io gateway; the pacing. */
@Module({
  imports: [AuthModule, MetricsModule],
  controllers: [SyncController],
  providers: [
    SyncService,
    SyncEngine,
    SyncGateway,
    SyncMessenger,
    SyncMetrics,
    SyncNotices,
    DriverLease,
    SyncSessionRepository,
    SyncRequestRepository,
    DiscogsItemRepository,
  ],
  exports: [SyncEngine],
})
export class SyncModule {}
