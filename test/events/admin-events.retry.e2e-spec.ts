import { Streams } from '@libs/messaging';
import { adminEvent, waitFor } from '@libs/testing';
import { ADMIN_EVENTS_GROUP } from '../../apps/event-consumer/src/admin-events/admin-events.module';
import { AdminEventsHarness } from './admin-events.harness';

// The consumer runs while the registry is not running; the registry starts later.
describe('admin events while the registry is unreachable', () => {
  let h: AdminEventsHarness;

  beforeAll(async () => {
    h = await AdminEventsHarness.start({ EVENT_CONSUMER_MAX_DELIVERIES: '50' }, false);
  });

  afterAll(async () => {
    await h.close();
  });

  async function deliveries(entryId: string): Promise<number> {
    const key = h.key(Streams.AdminClientEvents);
    const rows = (await h.redis.xpending(key, ADMIN_EVENTS_GROUP, entryId, entryId, 1)) as [
      string,
      string,
      number,
      number,
    ][];
    return rows.length === 0 ? 0 : Number(rows[0][3]);
  }

  it('keeps the events pending, retries them, and applies them once the registry is back', async () => {
    const created = adminEvent('client.created', { version: 1 });
    const suspended = adminEvent('client.suspended', {
      client_id: created.payload.client_id,
      version: 2,
    });
    const [entryId] = await h.publish([created, suspended]);

    // Reclaimed and delivered again (minIdle 3 s), still unacked, nothing applied, nothing dead.
    await waitFor('a second delivery', async () => (await deliveries(entryId)) >= 2, 15_000);
    expect(await h.groupState()).toEqual({ lag: 0, pending: 2 });
    expect(await h.metrics()).toMatch(
      /^event_consumer_registry_call_duration_seconds_count\{[^}]*outcome="timeout"[^}]*\} ([2-9]|\d\d+)$/m,
    );
    expect(await h.deadLetters()).toEqual([]);

    await h.startRegistry();
    await h.settled(20_000);
    expect(await h.client(created.payload.client_id)).toMatchObject({
      version: 2,
      status: 'SUSPENDED',
    });
    expect(await h.processedEvents([created.id, suspended.id])).toBe(2);
    expect(await h.deadLetters()).toEqual([]);
  }, 60_000);
});
