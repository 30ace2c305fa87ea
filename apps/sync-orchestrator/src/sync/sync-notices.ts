import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppInfo } from '@libs/config';
import { closeRedis, Keyspace, REDIS } from '@libs/redis';

/** What one pod tells the others about a user's sessions. */
export interface SyncNotice {
  kind: 'started' | 'cancelled' | 'released';
  userId: string;
  sessionId?: string;
}

type Listener = (notice: SyncNotice) => void;

const KINDS = new Set(['started', 'cancelled', 'released']);

/**
 * Notices between pods over Redis pub/sub. They are hints that make a change take effect at
 * once; a lost one is harmless (the lease tick and the guarded database writes catch up).
 * Own pub/sub rather than socket.io's server-side emit: the adapter does not handle a failed
 * PUBLISH, which would crash the process on a Redis hiccup.
 */
@Injectable()
export class SyncNotices implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SyncNotices.name);
  private readonly channel: string;
  private subscriber: Redis | undefined;
  private listener: Listener = () => undefined;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    keyspace: Keyspace,
    private readonly app: AppInfo,
  ) {
    this.channel = keyspace.key('sync:notices');
  }

  /** Where notices of other pods go. */
  listen(listener: Listener): void {
    this.listener = listener;
  }

  publish(notice: SyncNotice): void {
    const message = JSON.stringify({ ...notice, from: this.app.instanceId });
    this.redis.publish(this.channel, message).catch((error: unknown) => {
      this.logger.warn({ err: error, kind: notice.kind }, 'could not publish a sync notice');
    });
  }

  async onModuleInit(): Promise<void> {
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('error', () => undefined); // reconnects by itself; readiness reports Redis
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    await this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not subscribe to sync notices yet');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscriber) await closeRedis(this.subscriber);
  }

  private receive(message: string): void {
    let notice: SyncNotice & { from?: string };
    try {
      notice = JSON.parse(message) as SyncNotice & { from?: string };
    } catch {
      return;
    }
    if (notice.from === this.app.instanceId || !KINDS.has(notice.kind)) return;
    if (typeof notice.userId !== 'string') return;
    this.listener({ kind: notice.kind, userId: notice.userId, sessionId: notice.sessionId });
  }
}
