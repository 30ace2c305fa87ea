import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import type { RedisConfig } from '@libs/config';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';
import { settlesWithin } from './backoff';
import { ConsumerGroup } from './consumer-group';
import {
  resolveGroupOptions,
  type ConsumerGroupOptions,
  type ResolvedGroupOptions,
} from './consumer-group.options';
import { EventDispatcher, type StreamHandlerExtras } from './event-dispatcher';
import { MessagingMetrics } from './messaging.metrics';
import { RpcResponder } from './rpc-responder';
import { Streams } from './streams';

/** RPC serving: requests for `service` arrive on `Streams.rpc(service)`. */
export interface RpcServerOptions extends Omit<ConsumerGroupOptions, 'stream' | 'group'> {
  service: string;
  /** `MAXLEN ~` of the callers' reply streams (default 1 000). */
  replyMaxLen?: number;
}

export interface RedisStreamsServerOptions {
  redis: RedisConfig;
  /** Default consumer name of every group (the process instance id). */
  instanceId?: string;
  groups?: ConsumerGroupOptions[];
  rpc?: RpcServerOptions;
  /** Where the transport's metrics go (a private registry when absent). */
  registry?: Registry;
  /** Bound on finishing in-flight entries at close (default 10 000 ms). */
  shutdownTimeoutMs?: number;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Nest transport over Redis Streams consumer groups. `@EventPattern('<type>')` handles one
 * entry of that envelope type, `@EventPattern('<stream>', { batch: true })` whole batches of a
 * stream, and `@MessagePattern('<pattern>')` RPC requests when `rpc` is configured. Entries
 * are acked only after their handler succeeded; see docs/messaging.md for every promise.
 */
export class RedisStreamsServer extends Server implements CustomTransportStrategy {
  override readonly propagatesEventHandlerErrors = true;
  private readonly log = new Logger(RedisStreamsServer.name);
  private readonly keyspace: Keyspace;
  private readonly metrics: MessagingMetrics;
  private readonly groupOptions: ResolvedGroupOptions[];
  private readonly rpcOptions: ResolvedGroupOptions | undefined;
  private redis: Redis | undefined;
  private groups: ConsumerGroup[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly options: RedisStreamsServerOptions) {
    super();
    const instanceId = options.instanceId ?? defaultInstanceId();
    this.keyspace = new Keyspace(options.redis.keyPrefix);
    this.metrics = MessagingMetrics.for(options.registry ?? new Registry());
    this.groupOptions = (options.groups ?? []).map((g) => resolveGroupOptions(g, instanceId));
    this.rpcOptions = options.rpc && resolveRpcOptions(options.rpc, instanceId);
  }

  /** Starts every consumer group; Nest calls it from `startAllMicroservices()`/`listen()`. */
  listen(callback: (error?: unknown) => void): void {
    try {
      this.checkHandlers();
      this.redis = createRedis(this.options.redis);
      const events = new EventDispatcher(this.lookup, this.metrics);
      const deps = {
        redis: this.redis,
        redisConfig: this.options.redis,
        keyspace: this.keyspace,
        metrics: this.metrics,
      };
      this.groups = this.groupOptions.map(
        (options) => new ConsumerGroup(deps, options, events.forStream(options.stream)),
      );
      if (this.rpcOptions) {
        const responder = this.rpcResponder(this.redis);
        this.groups.push(new ConsumerGroup(deps, this.rpcOptions, responder.dispatch));
      }
      for (const group of this.groups) group.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Resolves once every group exists and has drained its own pending entries. */
  async ready(): Promise<void> {
    await Promise.all(this.groups.map((group) => group.ready));
  }

  /** Stops reading, finishes and acks in-flight entries (bounded), disconnects. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  on(): never {
    throw new Error('RedisStreamsServer has no events to subscribe to');
  }

  unwrap<T>(): T {
    return this.redis as T;
  }

  private readonly lookup = (pattern: string): MessageHandler | undefined =>
    this.messageHandlers.get(pattern);

  private rpcResponder(redis: Redis): RpcResponder {
    const replyMaxLen = this.options.rpc?.replyMaxLen;
    return new RpcResponder(this.lookup, redis, this.keyspace, this.metrics, replyMaxLen);
  }

  private async shutdown(): Promise<void> {
    const timeoutMs = this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    await Promise.all(this.groups.map((group) => group.close(timeoutMs)));
    if (this.redis) {
      const redis = this.redis;
      if (!(await settlesWithin(closeRedis(redis), 1_000))) redis.disconnect();
    }
  }

  /** Refuses handler sets that would silently misroute entries (checked once at boot). */
  private checkHandlers(): void {
    const streams = new Set(this.groupOptions.map((g) => g.stream));
    for (const [pattern, handler] of this.messageHandlers) {
      if (handler.next) throw new Error(`"${pattern}" has more than one handler`);
      const extras = (handler.extras ?? {}) as StreamHandlerExtras;
      if (extras.batch && !streams.has(pattern)) {
        throw new Error(`batch handler "${pattern}" names no consumer group's stream`);
      }
      if (!handler.isEventHandler && !this.rpcOptions) {
        this.log.warn(
          `@MessagePattern("${pattern}") is never served: the server has no rpc option`,
        );
      }
    }
  }
}

function resolveRpcOptions(rpc: RpcServerOptions, instanceId: string): ResolvedGroupOptions {
  const { service, replyMaxLen: _replyMaxLen, ...group } = rpc;
  return resolveGroupOptions(
    // Served requests are deleted: their payloads (credentials.put, say) must not linger.
    { ...group, stream: Streams.rpc(service), group: service, deleteOnAck: true },
    instanceId,
  );
}

function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
