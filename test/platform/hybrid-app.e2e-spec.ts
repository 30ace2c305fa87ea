import { randomUUID } from 'node:crypto';
import { Controller, Module, type DynamicModule } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsUUID } from 'class-validator';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { loadEventConsumerConfig, type EventConsumerConfig } from '@libs/config';
import {
  listDeadLetters,
  RedisStreamsServer,
  RpcClient,
  StreamEvent,
  StreamPublisher,
  Streams,
  type StreamContext,
} from '@libs/messaging';
import { AppError, RemoteError } from '@libs/models';
import { currentCorrelationId } from '@libs/observability';
import { CoreModule, createHttpApp, shutDown, startTransports } from '@libs/platform';
import { Keyspace, REDIS } from '@libs/redis';
import { testEnv, waitFor } from '@libs/testing';

class ThingCreatedDto {
  @IsUUID()
  thing_id!: string;
}

class ThingsError extends AppError<number> {}

const handled: { payload: unknown; eventId: string; correlationId?: string }[] = [];

@Controller()
class ThingsConsumer {
  @StreamEvent('thing.created')
  created(@Payload() payload: ThingCreatedDto, @Ctx() ctx: StreamContext): void {
    handled.push({ payload, eventId: ctx.getEnvelope().id, correlationId: currentCorrelationId() });
  }

  @MessagePattern('things.get')
  get(@Payload() query: { id: string }): { id: string } {
    if (query.id === 'missing') throw new ThingsError(65006, 'thing missing not found');
    return { id: query.id };
  }
}

@Module({})
class HybridModule {
  static forRoot(config: EventConsumerConfig): DynamicModule {
    return {
      module: HybridModule,
      imports: [CoreModule.forRoot(config, { requestLogs: false })],
      controllers: [ThingsConsumer],
    };
  }
}

// An HTTP app that also serves a Redis Streams transport, wired the way runApp wires it.
describe('a hybrid app (HTTP + Redis Streams transport)', () => {
  const stream = `stream:test.${randomUUID()}`;
  const service = `things-${randomUUID()}`;
  const config = loadEventConsumerConfig(testEnv({ HOST: '127.0.0.1' }));
  let app: NestFastifyApplication;
  let redis: Redis;
  let keyspace: Keyspace;
  let publisher: StreamPublisher;
  let rpc: RpcClient;

  beforeAll(async () => {
    app = await createHttpApp(HybridModule.forRoot(config), config);
    await startTransports(app, (nest) => [
      new RedisStreamsServer({
        redis: config.redis,
        instanceId: config.app.instanceId,
        groups: [{ stream, group: 'hybrid', blockMs: 100 }],
        rpc: { service, blockMs: 100 },
        registry: nest.get(Registry),
        shutdownTimeoutMs: 2_000,
      }),
    ]);
    await app.listen(0, '127.0.0.1');
    redis = app.get<Redis>(REDIS);
    keyspace = app.get(Keyspace);
    publisher = new StreamPublisher(redis, keyspace);
    rpc = new RpcClient({ redis: config.redis, instanceId: `caller-${randomUUID()}` });
  });

  afterAll(async () => {
    await rpc.close();
  });

  it('hands a validated payload and the stream context to an @EventPattern handler', async () => {
    const thing = { thing_id: randomUUID() };
    await publisher.publish(stream, 'thing.created', thing, {
      id: 'evt-h1',
      correlationId: 'corr-h1',
    });
    await waitFor('event handled', () => handled.length === 1);
    expect(handled[0]).toEqual({ payload: thing, eventId: 'evt-h1', correlationId: 'corr-h1' });
    expect(handled[0].payload).toBeInstanceOf(ThingCreatedDto);
  });

  it('dead-letters a payload the app-wide ValidationPipe refuses, on its first delivery', async () => {
    await publisher.publish(stream, 'thing.created', { thing_id: 'nope' }, { id: 'evt-bad' });
    await waitFor(
      'dead letter',
      async () => (await listDeadLetters(redis, keyspace, stream)).length === 1,
    );
    const [letter] = await listDeadLetters(redis, keyspace, stream);
    expect(letter).toMatchObject({ deliveries: 1, group: 'hybrid' });
    expect(letter.error).toContain('thing_id must be a UUID');
    expect(letter.fields.id).toBe('evt-bad');
    expect(handled.map((h) => h.eventId)).not.toContain('evt-bad');
  });

  it('answers @MessagePattern requests, with AppError codes crossing the wire', async () => {
    await expect(rpc.request(service, 'things.get', { id: 't1' })).resolves.toEqual({ id: 't1' });
    const error = await rpc
      .request(service, 'things.get', { id: 'missing' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 65006, message: 'thing missing not found' });
  });

  it('serves the transport metrics on /metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    const count = `messaging_handler_duration_seconds_count{app="event-consumer",stream="${stream}",type="thing.created",outcome="ok"} 1`;
    expect(res.body).toContain(count);
    expect(res.body).toContain('# TYPE messaging_group_lag gauge');
  });

  it('stops the transport within the shutdown bound and leaves no consumer behind', async () => {
    const code = await shutDown(app, config.shutdown, 'SIGTERM');
    expect(code).toBe(0);
    const consumers = (await readConsumers(config.redis.keyPrefix + stream)) as unknown[];
    expect(consumers).toEqual([]);
  });

  async function readConsumers(key: string): Promise<unknown> {
    const { createRedis, closeRedis } = await import('@libs/redis');
    const probe = createRedis(config.redis);
    try {
      return await probe.xinfo('CONSUMERS', key, 'hybrid');
    } finally {
      await probe.del(key, `${key}.dlq`, config.redis.keyPrefix + Streams.rpc(service));
      await closeRedis(probe);
    }
  }
});
