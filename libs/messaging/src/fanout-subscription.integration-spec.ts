import { PrivateRedis, waitFor } from '@libs/testing';
import { deferred, freshFixtureEachTest, MessagingFixture } from '../test/fixtures';
import { FanoutSubscription, type FanoutHandlers, type GapReason, type ReceivedMessage } from '.';

/** A subscriber that records what it is told. */
function subscriber(overrides: Partial<FanoutHandlers> = {}) {
  const seen: string[] = [];
  const gaps: GapReason[] = [];
  const health: boolean[] = [];
  const handlers: FanoutHandlers = {
    onEntries: (messages: ReceivedMessage[]) => {
      seen.push(...messages.map((m) => m.envelope.id));
    },
    onGap: (reason) => gaps.push(reason),
    onHealth: (healthy) => health.push(healthy),
    ...overrides,
  };
  return { seen, gaps, health, handlers };
}

describe('FanoutSubscription', () => {
  let fx: MessagingFixture;
  let stream: string;
  freshFixtureEachTest((f, s) => ([fx, stream] = [f, s]));

  const subscribe = async (handlers: FanoutHandlers, on = fx) => {
    const sub = on.closeLater(
      new FanoutSubscription({
        redis: on.config,
        stream,
        handlers,
        blockMs: 100,
        maxDisconnectMs: 500,
      }),
    );
    await sub.start();
    return sub;
  };

  it('gives every subscriber every entry published after it started', async () => {
    await fx.publisher.publish(stream, 'client.updated', {}, { id: 'old' });
    const one = subscriber();
    const two = subscriber();
    const subs = [await subscribe(one.handlers), await subscribe(two.handlers)];
    const ids = Array.from({ length: 50 }, (_, i) => `e${i}`);
    await fx.publisher.publishMany(
      stream,
      ids.map((id) => ({ id, type: 'client.updated', payload: {} })),
    );

    await waitFor('both saw all', () => one.seen.length === 50 && two.seen.length === 50);
    expect(one.seen).toEqual(ids);
    expect(two.seen).toEqual(ids);
    expect(subs.every((s) => s.healthy)).toBe(true);
    expect([...one.gaps, ...two.gaps]).toEqual([]);
  });

  it('reports a gap when entries it had not read yet were trimmed away', async () => {
    const gate = deferred();
    const { seen, gaps, handlers } = subscriber();
    await subscribe({
      ...handlers,
      onEntries: async (messages) => {
        await handlers.onEntries(messages);
        await gate.promise;
      },
    });
    await fx.publisher.publish(stream, 'client.updated', {}, { id: 'first' });
    await waitFor('first read', () => seen.length === 1);
    // While the subscriber is busy, entries arrive and are trimmed before it reads them.
    await fx.publisher.publishMany(
      stream,
      [1, 2, 3, 4].map((i) => ({ id: `t${i}`, type: 'client.updated', payload: {} })),
    );
    await fx.redis.xtrim(fx.key(stream), 'MAXLEN', 1);
    gate.resolve();

    await waitFor('gap reported', () => gaps.length > 0);
    expect(gaps).toEqual(['trimmed']);
    await waitFor('survivor read', () => seen.includes('t4'));
    expect(seen).not.toContain('t2');
  });

  it('reports a gap when the stream disappears and reads it again once recreated', async () => {
    const { seen, gaps, handlers } = subscriber();
    await subscribe(handlers);
    await fx.publisher.publish(stream, 'client.updated', {}, { id: 'a' });
    await waitFor('a read', () => seen.length === 1);
    await fx.redis.del(fx.key(stream));
    await waitFor('gap reported', () => gaps.includes('stream-missing'));
    await fx.publisher.publish(stream, 'client.updated', {}, { id: 'b' });
    await waitFor('b read', () => seen.includes('b'));
  });

  it('turns unhealthy when Redis goes away, reports a gap after maxDisconnectMs, and recovers', async () => {
    const redis = await PrivateRedis.start();
    const local = new MessagingFixture(redis.url);
    try {
      const { seen, gaps, health, handlers } = subscriber();
      const sub = await subscribe(handlers, local);
      await waitFor('healthy', () => sub.healthy);
      await redis.kill();
      await waitFor('unhealthy', () => !sub.healthy);
      await waitFor('disconnect gap', () => gaps.includes('disconnected'));

      await redis.resume();
      await waitFor('healthy again', () => sub.healthy, 20_000);
      await local.publisher.publish(stream, 'client.updated', {}, { id: 'after' });
      await waitFor('entry after the outage', () => seen.includes('after'));
      expect(health).toEqual([true, false, true]);
    } finally {
      await local.cleanup(stream);
      await redis.kill();
    }
  }, 40_000);
});
