import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import type { RedisConfig } from '@libs/config';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';
import { RpcClient } from './rpc-client';
import { StreamPublisher } from './stream-publisher';

export interface RedisStreamsClientOptions {
  /** The service whose `@MessagePattern` handlers `send()` calls. */
  service: string;
  /** A shared RPC client (one reply stream per process); else one is made from `redis`. */
  rpc?: RpcClient;
  redis?: RedisConfig;
  /** Process instance id; required when the client makes its own RPC client. */
  instanceId?: string;
  /** Logical stream `emit()` publishes events to. */
  eventStream?: string;
  /** Request timeout of `send()` (the RpcClient's default when absent). */
  timeoutMs?: number;
}

/**
 * `ClientProxy` over this transport, for `ClientsModule`-style injection: `send(pattern, data)`
 * is an RPC to `service`, `emit(type, payload)` publishes an event to `eventStream`.
 */
export class RedisStreamsClient extends ClientProxy {
  private readonly rpc: RpcClient;
  private readonly ownsRpc: boolean;
  private publisher: { redis: Redis; publisher: StreamPublisher } | undefined;

  constructor(private readonly options: RedisStreamsClientOptions) {
    super();
    if (options.rpc) {
      this.rpc = options.rpc;
      this.ownsRpc = false;
    } else {
      if (!options.redis || !options.instanceId) {
        throw new Error('RedisStreamsClient needs either rpc, or redis and instanceId');
      }
      this.rpc = new RpcClient({ redis: options.redis, instanceId: options.instanceId });
      this.ownsRpc = true;
    }
    this.initializeSerializer(undefined);
    this.initializeDeserializer(undefined);
  }

  /** Nothing to do up front: the RPC client connects on first use. */
  async connect(): Promise<void> {}

  async close(): Promise<void> {
    if (this.ownsRpc) await this.rpc.close();
    if (this.publisher) await closeRedis(this.publisher.redis);
    this.publisher = undefined;
  }

  unwrap<T>(): T {
    return this.rpc as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const pattern = this.normalizePattern(packet.pattern);
    this.rpc
      .request(this.options.service, pattern, packet.data, { timeoutMs: this.options.timeoutMs })
      .then(
        (response) => callback({ response, isDisposed: true }),
        (err: unknown) => callback({ err, isDisposed: true }),
      );
    // A request on the wire cannot be withdrawn; its late reply is simply ignored.
    return () => undefined;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const stream = this.options.eventStream;
    if (!stream) throw new Error('RedisStreamsClient.emit needs the eventStream option');
    const payload = (packet.data ?? {}) as object;
    return (await this.eventPublisher().publish(
      stream,
      this.normalizePattern(packet.pattern),
      payload,
    )) as T;
  }

  private eventPublisher(): StreamPublisher {
    if (!this.publisher) {
      const config = this.options.redis;
      if (!config) throw new Error('RedisStreamsClient.emit needs the redis option');
      const redis = createRedis(config);
      this.publisher = {
        redis,
        publisher: new StreamPublisher(redis, new Keyspace(config.keyPrefix)),
      };
    }
    return this.publisher.publisher;
  }
}
