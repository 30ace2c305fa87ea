import type { SyncPacingConfig } from '@libs/config';
import type { Backoff } from '../pacing/backoff';
import type { DiscogsItemRepository } from './discogs-item.repository';
import type { SyncMessenger } from './sync-messenger';
import type { SyncMetrics } from './sync.metrics';
import type { PlannedRequest, SyncRequestRepository } from './sync-request.repository';
import type { SyncSessionRepository } from './sync-session.repository';

/** What a user's driver needs from the app: stores, messaging, settings, time and ids. */
export interface DriverDeps {
  readonly sessions: SyncSessionRepository;
  readonly requests: SyncRequestRepository;
  readonly items: DiscogsItemRepository;
  readonly messenger: SyncMessenger;
  readonly metrics: SyncMetrics;
  readonly pacing: SyncPacingConfig;
  readonly backoff: Backoff;
  readonly clock: () => number;
  /** A new planned request with a fresh id. */
  plan(purpose: PlannedRequest['purpose'], page: number, url: string): PlannedRequest;
}
