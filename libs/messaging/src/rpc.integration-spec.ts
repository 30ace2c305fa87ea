import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { lastValueFrom } from 'rxjs';
import { AppError, RemoteError } from '@libs/models';
import { currentCorrelationId, runWithCorrelationId } from '@libs/observability';
import { waitFor } from '@libs/testing';
import { FAST, MessagingFixture, type TestHandler } from '../test/fixtures';
import { RedisStreamsClient, RpcClient, RpcTimeoutError, Streams } from '.';

class RegistryError extends AppError<number> {}

const RPC_GROUP = { ...FAST, handlerTimeoutMs: 300 };

describe('RPC over streams', () => {
  let fx: MessagingFixture;
  let service: string;
  let client: RpcClient;
  let calls: string[];

  const handlers = (name: string): Record<string, TestHandler> => ({
    'echo.get': {
      rpc: true,
      fn: async (payload) => {
        calls.push(name);
        await sleep(5);
        return { payload, server: name, correlationId: currentCorrelationId() };
      },
    },
    'clients.get': {
      rpc: true,
      fn: () => {
        throw new RegistryError(65006, 'client c-1 not found');
      },
    },
    'crash.now': {
      rpc: true,
      fn: () => {
        throw new Error('database password is hunter2');
      },
    },
    'slow.get': { rpc: true, fn: () => sleep(250).then(() => 'late') },
  });

  beforeEach(async () => {
    fx = new MessagingFixture();
    service = `svc-${randomUUID()}`;
    calls = [];
    await fx.server({ rpc: { service, consumer: 'a', ...RPC_GROUP } }, handlers('a'));
    client = fx.closeLater(
      new RpcClient({ redis: fx.config, instanceId: `i-${randomUUID()}`, timeoutMs: 2_000 }),
    );
  });

  afterEach(async () => {
    await fx.cleanup(Streams.rpc(service));
  });

  it("answers a request and carries the caller's correlation id to the handler", async () => {
    const reply = await runWithCorrelationId('corr-rpc-1', () =>
      client.request(service, 'echo.get', { id: 42 }),
    );
    expect(reply).toEqual({ payload: { id: 42 }, server: 'a', correlationId: 'corr-rpc-1' });
    await waitFor(
      'acked',
      async () => (await fx.pendingCount(Streams.rpc(service), service)) === 0,
    );
  });

  it('turns handler errors into { code, message } on the caller side', async () => {
    const notFound = await client.request(service, 'clients.get', {}).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(RemoteError);
    expect(notFound).toMatchObject({ code: 65006, message: 'client c-1 not found' });

    // Unexpected errors keep their message (it may hold internals) on the server side.
    const crash = await client.request(service, 'crash.now', {}).catch((e: unknown) => e);
    expect(crash).toMatchObject({ code: 'internal_error', message: 'internal error' });

    const unknown = await client.request(service, 'no.such', {}).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'not_found' });
  });

  it('times out on the caller side', async () => {
    const error = await client
      .request(service, 'slow.get', {}, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcTimeoutError);
    expect(error).toMatchObject({ code: 'rpc_timeout' });
  });

  it('does not execute a request whose deadline has passed', async () => {
    await fx.redis.xadd(
      fx.key(Streams.rpc(service)),
      '*',
      ...['id', 'expired-1', 'type', 'echo.get', 'occurredAt', new Date().toISOString()],
      ...['correlationId', 'c', 'payload', '{}', 'replyTo', Streams.rpcReply('gone')],
      ...['deadline', String(Date.now() - 1_000)],
    );
    await client.request(service, 'echo.get', { id: 1 });
    expect(calls).toEqual(['a']);
    await waitFor(
      'both acked',
      async () => (await fx.pendingCount(Streams.rpc(service), service)) === 0,
    );
  });

  it('spreads requests over the servers of one service', async () => {
    await fx.server({ rpc: { service, consumer: 'b', ...RPC_GROUP, batchSize: 5 } }, handlers('b'));
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        client.request<{ server: string }>(service, 'echo.get', { i }),
      ),
    );
    const servers = new Set(replies.map((r) => r.server));
    expect(servers).toEqual(new Set(['a', 'b']));
  });

  it('leaves neither the request nor the reply in Redis once answered (payloads may be secrets)', async () => {
    const instanceId = `i-${randomUUID()}`;
    const own = fx.closeLater(new RpcClient({ redis: fx.config, instanceId }));
    for (let i = 0; i < 5; i++) await own.request(service, 'echo.get', { secret: `s3cret-${i}` });
    const requests = fx.key(Streams.rpc(service));
    const replies = fx.key(Streams.rpcReply(instanceId));
    const leftovers = async () =>
      [
        ...(await fx.redis.xrange(requests, '-', '+')),
        ...(await fx.redis.xrange(replies, '-', '+')),
      ].filter(([, fields]) => fields.join(' ').includes('s3cret'));
    await waitFor('answered requests and read replies deleted', async () => {
      return (await leftovers()).length === 0;
    });
    expect(await fx.redis.xpending(requests, service)).toEqual([0, null, null, null]);
  });

  it('keeps its reply stream alive with a TTL and deletes it on close', async () => {
    const instanceId = `i-${randomUUID()}`;
    const own = new RpcClient({ redis: fx.config, instanceId, replyTtlSeconds: 30 });
    await own.request(service, 'echo.get', {});
    const replyKey = fx.key(Streams.rpcReply(instanceId));
    const ttl = await fx.redis.ttl(replyKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
    await own.close();
    expect(await fx.redis.exists(replyKey)).toBe(0);
  });

  it('serves Nest ClientProxy send() and emit() through RedisStreamsClient', async () => {
    const events = `stream:test.${randomUUID()}`;
    const proxy = fx.closeLater(
      new RedisStreamsClient({ service, rpc: client, redis: fx.config, eventStream: events }),
    );
    const reply = await lastValueFrom(proxy.send<{ server: string }>('echo.get', { via: 'proxy' }));
    expect(reply.server).toBe('a');
    const failure = await lastValueFrom(proxy.send('clients.get', {})).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 65006 });

    await lastValueFrom(proxy.emit('thing.created', { n: 1 }));
    const [[, fields]] = await fx.redis.xrange(fx.key(events), '-', '+');
    expect(fields).toEqual(expect.arrayContaining(['type', 'thing.created', 'payload', '{"n":1}']));
    await fx.redis.del(fx.key(events));
  });
});
