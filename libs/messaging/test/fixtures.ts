import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { RedisConfig } from '@libs/config';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';
import { testRedisUrl, uniquePrefix } from '@libs/testing';
import {
  RedisStreamsServer,
  StreamPublisher,
  type RedisStreamsServerOptions,
  type StreamHandlerExtras,
} from '../src';

/** A handler as tests register it: a plain function, an event handler unless `rpc`. */
export interface TestHandler {
  fn: (data: unknown, ctx: unknown) => unknown;
  rpc?: boolean;
  extras?: StreamHandlerExtras;
}

/**
 * Everything a messaging test needs on the shared Redis under a prefix of its own: a command
 * client, a publisher, servers started with plain-function handlers, and cleanup of every
 * server and key it made.
 */
export class MessagingFixture {
  readonly prefix = uniquePrefix('msg');
  readonly config: RedisConfig;
  readonly keyspace: Keyspace;
  readonly redis: Redis;
  readonly publisher: StreamPublisher;
  readonly registry = new Registry();
  private readonly servers: RedisStreamsServer[] = [];
  private readonly closers: (() => Promise<unknown>)[] = [];

  constructor(url = testRedisUrl()) {
    // Expected failures (poison entries, outages) would otherwise fill the test output.
    Logger.overrideLogger(['error']);
    this.config = new RedisConfig(url, this.prefix);
    this.keyspace = new Keyspace(this.prefix);
    this.redis = createRedis(this.config);
    this.publisher = new StreamPublisher(this.redis, this.keyspace);
  }

  key(name: string): string {
    return this.keyspace.key(name);
  }

  /** Starts a server with `handlers` (pattern → handler) and waits until its groups are ready. */
  async server(
    options: Omit<RedisStreamsServerOptions, 'redis'>,
    handlers: Record<string, TestHandler>,
  ): Promise<RedisStreamsServer> {
    const server = new RedisStreamsServer({
      registry: this.registry,
      ...options,
      redis: this.config,
    });
    for (const [pattern, handler] of Object.entries(handlers)) {
      const fn = (async (data: unknown, ctx: unknown) => handler.fn(data, ctx)) as MessageHandler;
      server.addHandler(pattern, fn, !handler.rpc, handler.extras ?? {});
    }
    this.servers.push(server);
    await new Promise<void>((resolve, reject) =>
      server.listen((error?: unknown) => (error ? reject(error as Error) : resolve())),
    );
    await server.ready();
    return server;
  }

  /** Registers something to close at cleanup (subscriptions, clients). */
  closeLater<T extends { close(): Promise<unknown> }>(closable: T): T {
    this.closers.push(() => closable.close());
    return closable;
  }

  /** Current value of a counter of the fixture's registry (summed over its label sets). */
  async counter(name: string): Promise<number> {
    const metric = await this.registry.getSingleMetric(name)?.get();
    return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
  }

  /** Pending entries of a group. */
  async pendingCount(stream: string, group: string): Promise<number> {
    const [count] = (await this.redis.xpending(this.key(stream), group)) as [number];
    return Number(count);
  }

  async cleanup(...streams: string[]): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
    await Promise.all(this.closers.map((close) => close()));
    const keys = streams.flatMap((s) => [this.key(s), this.key(`${s}.dlq`)]);
    if (keys.length > 0) await this.redis.del(...keys);
    await closeRedis(this.redis);
  }
}

/** A promise with its resolver, for handlers that wait on the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Gives every test of the calling suite a fresh fixture and stream name (handed to `use`), and
 * closes and deletes what the test made afterwards.
 */
export function freshFixtureEachTest(use: (fx: MessagingFixture, stream: string) => void): void {
  let current: { fx: MessagingFixture; stream: string } | undefined;
  beforeEach(() => {
    current = { fx: new MessagingFixture(), stream: `stream:test.${randomUUID()}` };
    use(current.fx, current.stream);
  });
  afterEach(async () => {
    await current?.fx.cleanup(current.stream);
  });
}

/** Group timings short enough for tests (minIdle still above the handler timeout). */
export const FAST = { blockMs: 100, minIdleMs: 400, handlerTimeoutMs: 200, claimIntervalMs: 100 };

/** A payload the tests' ThingCreated schema accepts. */
export const thing = () => ({ thing_id: randomUUID(), version: 1 });
