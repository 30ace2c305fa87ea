import { IsInt, IsUUID, Min } from 'class-validator';
import { currentCorrelationId } from '@libs/observability';
import { waitFor } from '@libs/testing';
import {
  deferred,
  FAST,
  freshFixtureEachTest,
  thing,
  type MessagingFixture,
} from '../test/fixtures';
import {
  listDeadLetters,
  NonRetryableError,
  replayDeadLetters,
  type BatchOutcome,
  type ReceivedMessage,
  type StreamContext,
} from '.';

class ThingCreated {
  @IsUUID()
  thing_id!: string;

  @IsInt()
  @Min(1)
  version!: number;
}

describe('consumer groups', () => {
  let fx: MessagingFixture;
  let stream: string;
  freshFixtureEachTest((f, s) => ([fx, stream] = [f, s]));

  it('acks an entry only after its handler succeeded', async () => {
    const release = deferred();
    const started = deferred<string>();
    await fx.server(
      { groups: [{ stream, group: 'g', ...FAST }] },
      {
        'thing.created': {
          fn: async (_payload, ctx) => {
            started.resolve((ctx as StreamContext).getEnvelope().id);
            await release.promise;
          },
        },
      },
    );
    await fx.publisher.publish(stream, 'thing.created', thing(), { id: 'evt-1' });
    expect(await started.promise).toBe('evt-1');
    expect(await fx.pendingCount(stream, 'g')).toBe(1);
    release.resolve();
    await waitFor('ack', async () => (await fx.pendingCount(stream, 'g')) === 0);
  });

  it('keeps a failing entry pending, redelivers it elsewhere after minIdle, dead-letters it after maxDeliveries, and replays it', async () => {
    const deliveries: { consumer: string; count: number }[] = [];
    let succeed = false;
    const handlers = (consumer: string) => ({
      'thing.created': {
        fn: (_payload: unknown, ctx: unknown) => {
          deliveries.push({ consumer, count: (ctx as StreamContext).message.deliveries });
          if (!succeed) throw new Error('boom');
        },
      },
    });
    const group = { stream, group: 'g', ...FAST, maxDeliveries: 3 };
    // a never sweeps, so every redelivery is b's claim of a's entry.
    await fx.server(
      { groups: [{ ...group, consumer: 'a', claimIntervalMs: 60_000 }] },
      handlers('a'),
    );
    const entryId = await fx.publisher.publish(stream, 'thing.created', thing(), { id: 'evt-2' });
    await waitFor('first delivery', () => deliveries.length === 1);
    expect(await fx.pendingCount(stream, 'g')).toBe(1);

    await fx.server({ groups: [{ ...group, consumer: 'b' }] }, handlers('b'));
    await waitFor('dead letter', async () => (await fx.redis.xlen(fx.key(`${stream}.dlq`))) === 1);
    expect(deliveries).toEqual([
      { consumer: 'a', count: 1 },
      { consumer: 'b', count: 2 },
      { consumer: 'b', count: 3 },
    ]);
    expect(await fx.pendingCount(stream, 'g')).toBe(0);
    const [letter] = await listDeadLetters(fx.redis, fx.keyspace, stream);
    expect(letter).toMatchObject({ originalId: entryId, stream, group: 'g', deliveries: 3 });
    expect(letter.error).toContain('boom');
    expect(letter.fields).toMatchObject({ id: 'evt-2', type: 'thing.created' });

    succeed = true;
    expect(await replayDeadLetters(fx.redis, fx.keyspace, stream)).toBe(1);
    expect(await fx.redis.xlen(fx.key(`${stream}.dlq`))).toBe(0);
    await waitFor('replayed delivery', () => deliveries.length === 4);
    await waitFor('ack', async () => (await fx.pendingCount(stream, 'g')) === 0);
  });

  it('dead-letters unparseable and schema-invalid entries on their first delivery', async () => {
    const handled: unknown[] = [];
    await fx.server(
      { groups: [{ stream, group: 'g', ...FAST }] },
      {
        'thing.created': {
          fn: (payload) => handled.push(payload),
          extras: { schema: ThingCreated },
        },
      },
    );
    await fx.redis.xadd(fx.key(stream), '*', 'foo', 'bar');
    await fx.redis.xadd(
      fx.key(stream),
      '*',
      'id',
      'x',
      'type',
      'thing.created',
      'occurredAt',
      'now',
      'payload',
      '{oops',
    );
    await fx.publisher.publish(stream, 'thing.created', { thing_id: 'not-a-uuid', version: 0 });
    const valid = thing();
    await fx.publisher.publish(stream, 'thing.created', valid);

    await waitFor(
      'three dead letters',
      async () => (await fx.redis.xlen(fx.key(`${stream}.dlq`))) === 3,
    );
    const letters = await listDeadLetters(fx.redis, fx.keyspace, stream);
    expect(letters.map((l) => l.deliveries)).toEqual([1, 1, 1]);
    expect(letters[0].error).toMatch(/UnparseableEntryError: entry lacks/);
    expect(letters[1].error).toMatch(/UnparseableEntryError: payload is not JSON/);
    expect(letters[2].error).toMatch(
      /PayloadValidationError: invalid ThingCreated: thing_id must be a UUID; version must not be less than 1/,
    );
    await waitFor('valid handled', () => handled.length === 1);
    expect(handled[0]).toBeInstanceOf(ThingCreated);
    expect(handled[0]).toEqual(valid);
    await waitFor('all acked', async () => (await fx.pendingCount(stream, 'g')) === 0);
  });

  it('dead-letters at once when the handler throws NonRetryableError or no handler exists', async () => {
    await fx.server(
      { groups: [{ stream, group: 'g', ...FAST }] },
      {
        'thing.created': {
          fn: () => {
            throw new NonRetryableError('never valid');
          },
        },
      },
    );
    await fx.publisher.publish(stream, 'thing.created', thing());
    await fx.publisher.publish(stream, 'thing.unknown', thing());
    await waitFor(
      'two dead letters',
      async () => (await fx.redis.xlen(fx.key(`${stream}.dlq`))) === 2,
    );
    const errors = (await listDeadLetters(fx.redis, fx.keyspace, stream)).map((l) => l.error);
    expect(errors).toEqual([
      'NonRetryableError: never valid',
      'NonRetryableError: no handler for event type "thing.unknown"',
    ]);
    expect(await fx.pendingCount(stream, 'g')).toBe(0);
  });

  it('hands whole batches to a batch handler and settles each entry by its outcome', async () => {
    const batches: string[][] = [];
    await fx.server(
      { groups: [{ stream, group: 'g', ...FAST, maxDeliveries: 5 }] },
      {
        [stream]: {
          extras: { batch: true, schemas: { 'thing.created': ThingCreated } },
          fn: (messages): BatchOutcome => {
            const list = messages as ReceivedMessage[];
            batches.push(list.map((m) => m.envelope.id));
            const failed = new Map<string, Error>();
            for (const m of list) {
              if (m.envelope.id === 'poison')
                failed.set(m.entryId, new NonRetryableError('poison'));
              if (m.envelope.id === 'flaky') failed.set(m.entryId, new Error('flaky'));
            }
            return { failed };
          },
        },
      },
    );
    await fx.publisher.publishMany(
      stream,
      ['ok1', 'poison', 'flaky', 'ok2'].map((id) => ({
        id,
        type: 'thing.created',
        payload: thing(),
      })),
    );
    await fx.publisher.publish(
      stream,
      'thing.created',
      { thing_id: 'bad', version: 1 },
      { id: 'invalid' },
    );

    await waitFor('dead letters', async () => (await fx.redis.xlen(fx.key(`${stream}.dlq`))) === 2);
    expect(batches[0]).toEqual(['ok1', 'poison', 'flaky', 'ok2']);
    const letters = await listDeadLetters(fx.redis, fx.keyspace, stream);
    expect(letters.map((l) => l.fields.id).sort()).toEqual(['invalid', 'poison']);
    const pending = (await fx.redis.xpending(fx.key(stream), 'g', '-', '+', 10)) as [string][];
    expect(pending).toHaveLength(1);
    const [[pendingId]] = pending;
    const [[, fields]] = await fx.redis.xrange(fx.key(stream), pendingId, pendingId);
    expect(fields).toContain('flaky');
  });

  it.each([1, 3])(
    'keeps at most batchesInFlight=%i batches in the handler at once, and acks every entry',
    async (batchesInFlight) => {
      let running = 0;
      let most = 0;
      const seen = new Set<string>();
      await fx.server(
        {
          groups: [
            { stream, group: 'g', ...FAST, handlerTimeoutMs: 350, batchSize: 5, batchesInFlight },
          ],
        },
        {
          [stream]: {
            extras: { batch: true },
            fn: async (messages): Promise<BatchOutcome> => {
              running += 1;
              most = Math.max(most, running);
              for (const m of messages as ReceivedMessage[]) seen.add(m.envelope.id);
              await new Promise((r) => setTimeout(r, 40));
              running -= 1;
              return { failed: new Map() };
            },
          },
        },
      );
      const ids = Array.from({ length: 60 }, (_, i) => `evt-${i}`);
      await fx.publisher.publishMany(
        stream,
        ids.map((id) => ({ id, type: 'thing.created', payload: thing() })),
      );
      await waitFor('every entry handled and acked', async () => {
        return seen.size === ids.length && (await fx.pendingCount(stream, 'g')) === 0;
      });
      expect(most).toBe(batchesInFlight);
    },
  );

  it("runs each handler inside the entry's correlation id", async () => {
    const seen = deferred<string | undefined>();
    await fx.server(
      { groups: [{ stream, group: 'g', ...FAST }] },
      {
        'thing.created': { fn: () => seen.resolve(currentCorrelationId()) },
      },
    );
    await fx.publisher.publish(stream, 'thing.created', thing(), { correlationId: 'corr-77' });
    expect(await seen.promise).toBe('corr-77');
  });

  it('reports handler latency, backlog and dead letters as Prometheus metrics', async () => {
    await fx.server(
      { groups: [{ stream, group: 'g', ...FAST }] },
      {
        'thing.created': { fn: () => undefined },
      },
    );
    await fx.publisher.publish(stream, 'thing.created', thing());
    await fx.publisher.publish(stream, 'thing.other', thing());
    await waitFor('dead letter', async () => (await fx.redis.xlen(fx.key(`${stream}.dlq`))) === 1);
    await waitFor('acked', async () => (await fx.pendingCount(stream, 'g')) === 0);
    const text = await fx.registry.metrics();
    const labels = `stream="${stream}",group="g"`;
    expect(text).toMatch(
      new RegExp(
        `messaging_handler_duration_seconds_count\\{stream="${stream}",type="thing.created",outcome="ok"\\} 1`,
      ),
    );
    expect(text).toContain(`messaging_group_pending{${labels}} 0`);
    expect(text).toContain(`messaging_group_lag{${labels}} 0`);
    expect(text).toContain(`messaging_dlq_length{${labels}} 1`);
    expect(text).toContain(`messaging_oldest_pending_idle_seconds{${labels}} 0`);
    expect(text).toContain(`messaging_dead_lettered_total{${labels},reason="non_retryable"} 1`);
  });
});
