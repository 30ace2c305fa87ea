import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrivateRedis, waitFor } from '@libs/testing';
import { FAST, MessagingFixture } from '../test/fixtures';
import type { StreamContext } from '.';

function recorder() {
  const ids: string[] = [];
  const handlers = {
    'thing.created': {
      fn: (_p: unknown, ctx: unknown) => ids.push((ctx as StreamContext).getEnvelope().id),
    },
  };
  return { ids, handlers };
}

describe('consumer group recovery', () => {
  const stream = `stream:test.${randomUUID()}`;

  it('recreates its group after the stream is deleted and goes on consuming new entries', async () => {
    const fx = new MessagingFixture();
    try {
      const { ids, handlers } = recorder();
      await fx.server({ groups: [{ stream, group: 'g', ...FAST }] }, handlers);
      await fx.publisher.publish(stream, 'thing.created', {}, { id: 'before' });
      await waitFor('first entry', () => ids.length === 1);

      await fx.redis.del(fx.key(stream));
      await fx.publisher.publish(stream, 'thing.created', {}, { id: 'after' });
      await waitFor('entry after deletion', () => ids.includes('after'));
      expect(ids).toEqual(['before', 'after']);
      expect(await fx.counter('messaging_nogroup_recoveries_total')).toBeGreaterThanOrEqual(1);
      await waitFor('acked', async () => (await fx.pendingCount(stream, 'g')) === 0);
    } finally {
      await fx.cleanup(stream);
    }
  });

  it('backs off while Redis is unreachable, then recreates the group and resumes', async () => {
    const redis = await PrivateRedis.start();
    const fx = new MessagingFixture(redis.url);
    try {
      const { ids, handlers } = recorder();
      await fx.server({ groups: [{ stream, group: 'g', ...FAST }] }, handlers);
      await fx.publisher.publish(stream, 'thing.created', {}, { id: 'before' });
      await waitFor('first entry', () => ids.length === 1);

      await redis.kill();
      const errorsAtKill = await fx.counter('messaging_consumer_errors_total');
      await sleep(3_000);
      // Reads, sweeps and group creation all fail during the outage; a loop without backoff
      // would count thousands here (blockMs and claimIntervalMs are 100 ms).
      const errorsDuringOutage =
        (await fx.counter('messaging_consumer_errors_total')) - errorsAtKill;
      expect(errorsDuringOutage).toBeGreaterThan(0);
      expect(errorsDuringOutage).toBeLessThanOrEqual(20);

      // The restarted server keeps no data: stream and group are gone.
      await redis.resume();
      await waitFor('publisher reconnected', async () => (await fx.redis.ping()) === 'PONG');
      await fx.publisher.publish(stream, 'thing.created', {}, { id: 'after' });
      await waitFor('entry after the outage', () => ids.includes('after'), 20_000);
      expect(await fx.counter('messaging_nogroup_recoveries_total')).toBeGreaterThanOrEqual(1);
    } finally {
      await fx.cleanup(stream);
      await redis.kill();
    }
  }, 40_000);
});
