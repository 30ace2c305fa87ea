import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { SyncPacingConfig } from '@libs/config';
import type { ApiResponseData } from '@libs/sync-client';
import { Backoff } from '../pacing/backoff';
import { DiscogsItemRepository } from './discogs-item.repository';
import type { DriverDeps } from './driver-deps';
import { DriverLease } from './driver-lease';
import { SyncMessenger, type ClientSocket } from './sync-messenger';
import { SyncMetrics } from './sync.metrics';
import { SyncRequestRepository } from './sync-request.repository';
import { SyncNotices, type SyncNotice } from './sync-notices';
import { SyncSessionRepository } from './sync-session.repository';
import { UserDriver } from './user-driver';

/**
 * The pod's side of the sync: one {@link UserDriver} per user with a socket here. The driver
 * of a user is active only while this pod holds the user's lease; users' lifecycle steps run
 * one at a time per user, so a reconnect never races the pause of the previous connection.
 */
@Injectable()
export class SyncEngine implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncEngine.name);
  private readonly drivers = new Map<string, UserDriver>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly deps: DriverDeps;
  private leaseTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    sessions: SyncSessionRepository,
    requests: SyncRequestRepository,
    items: DiscogsItemRepository,
    messenger: SyncMessenger,
    private readonly metrics: SyncMetrics,
    private readonly pacing: SyncPacingConfig,
    private readonly lease: DriverLease,
    private readonly notices: SyncNotices,
  ) {
    this.deps = {
      sessions,
      requests,
      items,
      messenger,
      metrics,
      pacing,
      backoff: new Backoff(pacing.retryBaseMs, pacing.retryMaxMs),
      clock: Date.now,
      plan: (purpose, page, url) => ({ requestId: uuidv7(), purpose, page, url, retries: 0 }),
    };
  }

  onModuleInit(): void {
    this.metrics.countSessions = () => this.activeSessions();
    this.notices.listen((notice) => this.onNotice(notice));
    // Renew well within the TTL; also retries the claim of users led elsewhere until it frees.
    this.leaseTimer = setInterval(
      () => void this.tickLeases(),
      Math.ceil(this.pacing.driverLeaseMs / 3),
    );
    this.leaseTimer.unref();
  }

  /** A user's socket connected here. */
  attach(
    userId: string,
    socket: ClientSocket & { disconnect(close?: boolean): unknown },
  ): Promise<void> {
    this.metrics.sockets.inc();
    if (this.stopping) {
      socket.disconnect(true);
      return Promise.resolve();
    }
    return this.serially(userId, async () => {
      let driver = this.drivers.get(userId);
      if (!driver) {
        driver = new UserDriver(userId, this.deps);
        this.drivers.set(userId, driver);
      }
      driver.addSocket(socket);
      if (!driver.leased) await this.lead(driver);
    });
  }

  /** A user's socket left: with the last one the user's sessions pause and the lease frees. */
  detach(userId: string, socketId: string): Promise<void> {
    this.metrics.sockets.dec();
    // Shutting down: every user was retired already, and the stores may be closing.
    if (this.stopping) return Promise.resolve();
    return this.serially(userId, async () => {
      const driver = this.drivers.get(userId);
      if (!driver) return;
      driver.removeSocket(socketId);
      if (driver.sockets.size > 0) return;
      this.drivers.delete(userId);
      await this.retire(driver, true);
    });
  }

  /**
   * An answer from a socket of `userId`; false when it matches no open request of that user.
   * Waits for the user's pending lifecycle step: an answer a client buffered while it was
   * disconnected arrives right after it reconnects, before its sessions are loaded again.
   */
  async answer(userId: string, answer: ApiResponseData): Promise<boolean> {
    const pending = this.chains.get(userId);
    if (pending) await pending;
    return this.drivers.get(userId)?.handleAnswer(answer) ?? false;
  }

  /** A session was started or cancelled through REST on this pod. */
  announce(notice: SyncNotice): void {
    this.onNotice(notice);
    this.notices.publish(notice);
  }

  /** A notice from this or another pod. */
  onNotice(notice: SyncNotice): void {
    const driver = this.drivers.get(notice.userId);
    if (!driver) return;
    if (notice.kind === 'cancelled' && notice.sessionId) {
      driver.dropSession(notice.sessionId); // at once, not behind other steps of the user
      return;
    }
    if (notice.kind === 'released') {
      void this.serially(notice.userId, () => this.lead(driver));
    } else if (notice.kind === 'started' && notice.sessionId) {
      this.takeOver(notice.userId, notice.sessionId, 1);
    }
  }

  /** Adopts a new session of a user driven here; retried a few times if the database fails. */
  private takeOver(userId: string, sessionId: string, attempt: number): void {
    void this.serially(userId, async () => {
      const driver = this.drivers.get(userId);
      if (!driver?.leased) return; // whoever leads the user adopts it on taking them over
      try {
        await driver.addSession(sessionId);
      } catch (error) {
        if (attempt >= 5) throw error;
        setTimeout(() => this.takeOver(userId, sessionId, attempt + 1), 500 * attempt).unref();
      }
    });
  }

  /** Sessions driven here (for metrics and benchmarks). */
  activeSessions(): number {
    let count = 0;
    for (const driver of this.drivers.values()) count += driver.sessionCount;
    return count;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.leaseTimer);
    const drivers = [...this.drivers.values()];
    this.drivers.clear();
    await Promise.allSettled(
      drivers.map((d) => this.serially(d.userId, () => this.retire(d, true))),
    );
  }

  private async lead(driver: UserDriver): Promise<void> {
    // The user may have left (or the driver been replaced) while this step waited its turn.
    if (this.drivers.get(driver.userId) !== driver || driver.leased) return;
    if (!(await this.lease.acquire(driver.userId))) return;
    driver.leased = true;
    try {
      await driver.load();
    } catch (error) {
      // Half loaded is no state to drive from: let go, and the lease tick tries again.
      this.logger.warn({ err: error, userId: driver.userId }, 'could not take a user over');
      this.replaceWithPassive(driver);
      await driver.close(false);
      await this.lease.release(driver.userId);
    }
  }

  private async retire(driver: UserDriver, pause: boolean): Promise<void> {
    if (!driver.leased) return;
    driver.leased = false;
    await driver.close(pause);
    await this.lease.release(driver.userId);
    this.notices.publish({ kind: 'released', userId: driver.userId });
  }

  /** Another pod took the user over: stop driving, keep the sockets in a passive driver. */
  private async demote(userId: string): Promise<void> {
    const driver = this.drivers.get(userId);
    if (!driver?.leased) return;
    this.replaceWithPassive(driver);
    await driver.close(false);
  }

  private replaceWithPassive(driver: UserDriver): void {
    const passive = new UserDriver(driver.userId, this.deps);
    for (const socket of driver.sockets.values()) passive.sockets.set(socket.id, socket);
    this.drivers.set(driver.userId, passive);
  }

  private async tickLeases(): Promise<void> {
    const led = [...this.drivers.values()].filter((d) => d.leased).map((d) => d.userId);
    try {
      for (const userId of await this.lease.renew(led)) {
        this.logger.warn({ userId }, 'lost the lease of a user: another pod drives them now');
        void this.serially(userId, () => this.demote(userId));
      }
    } catch (error) {
      // Redis is down: keep driving; nobody else can claim the users meanwhile.
      this.logger.warn({ err: error }, 'could not renew leases');
    }
    for (const driver of this.drivers.values()) {
      if (!driver.leased) void this.serially(driver.userId, () => this.lead(driver));
    }
  }

  private serially(userId: string, step: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(userId) ?? Promise.resolve();
    const next = previous.then(step).catch((error: unknown) => {
      this.logger.error({ err: error, userId }, 'sync step failed');
    });
    this.chains.set(userId, next);
    void next.finally(() => {
      if (this.chains.get(userId) === next) this.chains.delete(userId);
    });
    return next;
  }
}
