import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@libs/testing';
import {
  deferred,
  FAST,
  freshFixtureEachTest,
  thing,
  type MessagingFixture,
} from '../test/fixtures';
import type { ReceivedMessage, StreamContext } from '.';
import { deleteIdleConsumer, groupConsumers } from './stream-commands';

describe('consumer groups: several consumers, restarts and shutdown', () => {
  let fx: MessagingFixture;
  let stream: string;
  freshFixtureEachTest((f, s) => ([fx, stream] = [f, s]));

  it('shares the load between two consumers of one group', async () => {
    const seen = { a: new Set<string>(), b: new Set<string>() };
    const handlers = (name: 'a' | 'b') => ({
      'thing.created': {
        fn: async (_p: unknown, ctx: unknown) => {
          seen[name].add((ctx as StreamContext).getEnvelope().id);
          await new Promise((r) => setTimeout(r, 2));
        },
      },
    });
    const group = { stream, group: 'g', ...FAST, batchSize: 10 };
    await fx.server({ groups: [{ ...group, consumer: 'a' }] }, handlers('a'));
    await fx.server({ groups: [{ ...group, consumer: 'b' }] }, handlers('b'));
    const events = Array.from({ length: 200 }, (_, i) => ({
      type: 'thing.created',
      payload: thing(),
      id: `e${i}`,
    }));
    await fx.publisher.publishMany(stream, events);

    await waitFor('all handled', () => seen.a.size + seen.b.size >= 200);
    expect(seen.a.size).toBeGreaterThan(0);
    expect(seen.b.size).toBeGreaterThan(0);
    expect(new Set([...seen.a, ...seen.b]).size).toBe(200);
    await waitFor('all acked', async () => (await fx.pendingCount(stream, 'g')) === 0);
  });

  it('lets another consumer claim the entries of a consumer closed without acking them', async () => {
    const hang = deferred();
    const claimed = new Set<string>();
    const group = { stream, group: 'g', ...FAST, handlerTimeoutMs: 10_000, minIdleMs: 10_500 };
    const a = await fx.server(
      {
        groups: [{ ...group, consumer: 'a', minIdleMs: 60_000, claimIntervalMs: 60_000 }],
        shutdownTimeoutMs: 100,
      },
      { 'thing.created': { fn: () => hang.promise } },
    );
    await fx.publisher.publishMany(
      stream,
      [1, 2, 3].map((i) => ({ type: 'thing.created', payload: thing(), id: `k${i}` })),
    );
    await waitFor('a holds three', async () => (await fx.pendingCount(stream, 'g')) === 3);
    await a.close();
    expect(await fx.pendingCount(stream, 'g')).toBe(3);

    await fx.server(
      { groups: [{ ...group, consumer: 'b', minIdleMs: 300, handlerTimeoutMs: 200 }] },
      {
        'thing.created': { fn: (_p, ctx) => claimed.add((ctx as StreamContext).getEnvelope().id) },
      },
    );
    await waitFor('b claimed all', () => claimed.size === 3);
    await waitFor('all acked', async () => (await fx.pendingCount(stream, 'g')) === 0);
    hang.resolve();
  });

  it('finishes and acks a slow handler before close() resolves', async () => {
    const events: string[] = [];
    const started = deferred();
    const server = await fx.server(
      { groups: [{ stream, group: 'g', ...FAST, handlerTimeoutMs: 5_000, minIdleMs: 6_000 }] },
      {
        'thing.created': {
          fn: async () => {
            started.resolve();
            await new Promise((r) => setTimeout(r, 300));
            events.push('handler done');
          },
        },
      },
    );
    await fx.publisher.publish(stream, 'thing.created', thing());
    await started.promise;
    await server.close();
    events.push('closed');
    expect(events).toEqual(['handler done', 'closed']);
    expect(await fx.pendingCount(stream, 'g')).toBe(0);
  });

  it('drains its own pending entries first when it starts', async () => {
    await fx.redis.xgroup('CREATE', fx.key(stream), 'g', '0', 'MKSTREAM');
    await fx.publisher.publish(stream, 'thing.created', thing(), { id: 'left-behind' });
    await fx.redis.xreadgroup(
      'GROUP',
      'g',
      'same-name',
      'COUNT',
      10,
      'STREAMS',
      fx.key(stream),
      '>',
    );
    const seen: ReceivedMessage[] = [];
    await fx.server(
      { groups: [{ stream, group: 'g', ...FAST, consumer: 'same-name', claimIntervalMs: 60_000 }] },
      {
        'thing.created': { fn: (_p, ctx) => seen.push((ctx as StreamContext).message) },
      },
    );
    expect(seen.map((m) => [m.envelope.id, m.deliveries])).toEqual([['left-behind', 2]]);
    expect(await fx.pendingCount(stream, 'g')).toBe(0);
  });

  it('counts a handler past handlerTimeoutMs as failed and retries the entry after minIdle', async () => {
    const deliveries: number[] = [];
    await fx.server(
      { groups: [{ stream, group: 'g', ...FAST }] },
      {
        'thing.created': {
          fn: async (_p, ctx) => {
            const { deliveries: n } = (ctx as StreamContext).message;
            deliveries.push(n);
            if (n === 1) await sleep(1_000);
          },
        },
      },
    );
    await fx.publisher.publish(stream, 'thing.created', thing());
    await waitFor('retried', () => deliveries.length === 2);
    expect(deliveries).toEqual([1, 2]);
    await waitFor('acked', async () => (await fx.pendingCount(stream, 'g')) === 0);
    const text = await fx.registry.metrics();
    expect(text).toMatch(
      /messaging_handler_duration_seconds_count\{stream="[^"]+",type="thing.created",outcome="failed"\} 1/,
    );
  });

  it('deletes a consumer name only while it owns no pending entry', async () => {
    const key = fx.key(stream);
    await fx.redis.xgroup('CREATE', key, 'g', '0', 'MKSTREAM');
    await fx.publisher.publish(stream, 'thing.created', thing());
    await fx.redis.xreadgroup('GROUP', 'g', 'holder', 'COUNT', 1, 'STREAMS', key, '>');
    await fx.redis.xreadgroup('GROUP', 'g', 'empty', 'COUNT', 1, 'STREAMS', key, '>');
    expect(await deleteIdleConsumer(fx.redis, key, 'g', 'holder')).toBe(false);
    expect(await deleteIdleConsumer(fx.redis, key, 'g', 'empty')).toBe(true);
    const names = (await groupConsumers(fx.redis, key, 'g')).map((c) => c.name);
    expect(names).toEqual(['holder']);
    expect(await fx.pendingCount(stream, 'g')).toBe(1);
  });
});
