import { randomUUID } from 'node:crypto';
import { runWithCorrelationId } from '@libs/observability';
import { freshFixtureEachTest, MessagingFixture } from '../test/fixtures';
import { listDeadLetters, replayDeadLetters, Streams } from '.';
import { writeDeadLetter } from './dead-letters';
import { fieldsToRecord } from './envelope';

interface ClientEvents {
  'client.suspended': { client_id: string; version: number };
}

describe('StreamPublisher', () => {
  let fx: MessagingFixture;
  let stream: string;
  freshFixtureEachTest((f, s) => ([fx, stream] = [f, s]));

  const entries = async (): Promise<Record<string, string>[]> =>
    (await fx.redis.xrange(fx.key(stream), '-', '+')).map(([entryId, f]) => ({
      entryId,
      ...fieldsToRecord(f),
    }));

  it('writes the envelope fields under the keyspace prefix', async () => {
    const id = await runWithCorrelationId('corr-pub', () =>
      fx.publisher.publish(stream, 'client.suspended', { client_id: 'c1', version: 3 }),
    );
    const [entry] = await entries();
    expect(entry).toEqual({
      entryId: id,
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/),
      type: 'client.suspended',
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      correlationId: 'corr-pub',
      payload: '{"client_id":"c1","version":3}',
    });
  });

  it('keeps given ids and times, and pipelines publishMany in order', async () => {
    const typed = fx.publisher.forStream<ClientEvents>(stream);
    await typed.publish('client.suspended', { client_id: 'c0', version: 1 }, { id: 'evt-0' });
    const ids = await fx.publisher.publishMany(stream, [
      { type: 'a', payload: { n: 1 }, id: 'evt-1', occurredAt: '2026-01-01T00:00:00.000Z' },
      { type: 'b', payload: { n: 2 }, id: 'evt-2', correlationId: 'given' },
    ]);
    const all = await entries();
    expect(ids).toEqual(all.slice(1).map((e) => e.entryId));
    expect(all.map((e) => e.type)).toEqual(['client.suspended', 'a', 'b']);
    expect(all[1]).toMatchObject({ id: 'evt-1', occurredAt: '2026-01-01T00:00:00.000Z' });
    expect(all[2]).toMatchObject({ id: 'evt-2', correlationId: 'given' });
  });

  it('bounds the stream with MAXLEN on every XADD', async () => {
    for (let i = 0; i < 30; i++) await fx.publisher.publish(stream, 't', { i }, { maxLen: 5 });
    // `~` trims whole nodes only; what matters is that the stream does not grow without bound.
    await fx.publisher.publishMany(
      stream,
      Array.from({ length: 500 }, (_, i) => ({ type: 't', payload: { i } })),
      { maxLen: 100 },
    );
    expect(await fx.redis.xlen(fx.key(stream))).toBeLessThan(300);
  });

  it('refuses payloads with secret-named fields', async () => {
    await expect(
      fx.publisher.publish(stream, 'client.created', { client_id: 'c', client_secret: 's3cr3t' }),
    ).rejects.toThrow('refusing to publish client.created: field "client_secret"');
    expect(await fx.redis.exists(fx.key(stream))).toBe(0);
  });
});

describe('dead letters', () => {
  const fx = new MessagingFixture();
  const stream = `stream:test.${randomUUID()}`;

  afterAll(async () => {
    await fx.cleanup(stream);
  });

  it('lists them and replays only the ids asked for, removing them from the DLQ', async () => {
    const letter = (n: number) => ({
      originalId: `1-${n}`,
      stream,
      group: 'g',
      deliveries: 5,
      error: `Error: ${n}`,
      fields: { id: `evt-${n}`, type: 't', payload: '{}', occurredAt: 'x', correlationId: 'c' },
    });
    const dlqIds = [];
    for (const n of [1, 2, 3]) dlqIds.push(await writeDeadLetter(fx.redis, fx.keyspace, letter(n)));

    const listed = await listDeadLetters(fx.redis, fx.keyspace, stream);
    expect(listed.map((l) => l.fields.id)).toEqual(['evt-1', 'evt-2', 'evt-3']);
    expect(listed[0]).toMatchObject({
      dlqId: dlqIds[0],
      deliveries: 5,
      error: 'Error: 1',
      group: 'g',
    });
    expect(
      await listDeadLetters(fx.redis, fx.keyspace, stream, { after: dlqIds[0], count: 1 }),
    ).toHaveLength(1);

    expect(await replayDeadLetters(fx.redis, fx.keyspace, stream, { ids: [dlqIds[1]] })).toBe(1);
    const remaining = await listDeadLetters(fx.redis, fx.keyspace, stream);
    expect(remaining.map((l) => l.fields.id)).toEqual(['evt-1', 'evt-3']);
    const [[, fields]] = await fx.redis.xrange(fx.key(stream), '-', '+');
    expect(fieldsToRecord(fields)).toEqual(letter(2).fields);
    expect(Streams.dlq(stream)).toBe(`${stream}.dlq`);
  });
});
