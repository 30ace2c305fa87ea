import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { AdminClientEvent, AdminClientEventType, ClientEventPayload } from '@libs/models';
import { Streams } from '@libs/messaging';
import { adminEvent, sha256Of, waitFor } from '@libs/testing';
import { ClientsService } from '../../apps/client-registry/src/clients/clients.service';
import { AdminEventsHarness } from './admin-events.harness';

// Registry and consumer in this process; events are XADDed exactly as the Admin Service does.
describe('admin client events, end to end', () => {
  let h: AdminEventsHarness;

  beforeAll(async () => {
    h = await AdminEventsHarness.start();
  });

  afterAll(async () => {
    await h.close();
  });

  /** Creates a client through an event and fills the registry's Redis copy of it. */
  async function existingClient(): Promise<string> {
    const created = adminEvent('client.created', { version: 1, rate_limit: 10 });
    await h.publish([created]);
    const id = created.payload.client_id;
    await waitFor('client created', async () => (await h.client(id))?.version === 1);
    await h.registry!.get(ClientsService).get(id);
    expect(await h.cachedValue(id)).toMatchObject({ client_id: id, version: 1 });
    return id;
  }

  async function expectChange(clientId: string, type: string, version: number): Promise<void> {
    await waitFor(`${type} change event`, async () =>
      (await h.changes(clientId)).some((c) => c.type === type && c.version === version),
    );
  }

  it('client.created inserts the client and announces it', async () => {
    const event = adminEvent('client.created', { version: 1, api_key_hash: sha256Of('key') });
    const id = event.payload.client_id;
    await h.publish([event]);
    await waitFor('row', async () => (await h.client(id)) !== undefined);
    expect(await h.client(id)).toMatchObject({
      status: 'ACTIVE',
      version: 1,
      client_secret_hash: event.payload.client_secret_hash,
      api_key_hash: sha256Of('key'),
    });
    expect(await h.cachedValue(id)).toBeUndefined();
    await expectChange(id, 'client.created', 1);
  });

  it.each<[AdminClientEventType, Partial<ClientEventPayload>, object]>([
    [
      'client.updated',
      { rate_limit: 99, scopes: ['a', 'b'] },
      { rate_limit: 99, scopes: ['a', 'b'], status: 'ACTIVE' },
    ],
    [
      'client.api_key_rotated',
      { api_key_hash: sha256Of('new-key') },
      { api_key_hash: sha256Of('new-key') },
    ],
    ['client.suspended', {}, { status: 'SUSPENDED' }],
  ])(
    '%s changes the row, empties the Redis copy and announces the change',
    async (type, payload, expected) => {
      const id = await existingClient();
      await h.publish([adminEvent(type, { client_id: id, version: 2, ...payload })]);
      await waitFor('row changed', async () => (await h.client(id))?.version === 2);
      expect(await h.client(id)).toMatchObject(expected);
      expect(await h.cachedValue(id)).toBeUndefined();
      await expectChange(id, type, 2);
    },
  );

  it('client.revoked sets REVOKED and revoked_before to the event time', async () => {
    const id = await existingClient();
    const occurredAt = '2026-11-21T10:00:00.000Z';
    await h.publish([adminEvent('client.revoked', { client_id: id, version: 2 }, occurredAt)]);
    await waitFor('row revoked', async () => (await h.client(id))?.status === 'REVOKED');
    expect(await h.client(id)).toMatchObject({ version: 2, revoked_before: occurredAt });
    expect(await h.cachedValue(id)).toBeUndefined();
    await expectChange(id, 'client.revoked', 2);
  });

  it('applies an event delivered twice, and a whole batch replayed, once', async () => {
    const created = adminEvent('client.created', { version: 1 });
    const id = created.payload.client_id;
    const updated = adminEvent('client.updated', { client_id: id, version: 2, rate_limit: 7 });
    await h.publish([created, created, updated]);
    await h.settled();
    await expectChange(id, 'client.updated', 2);
    const first = await h.changes(id);
    // The registry announces one change per client and call: created may share updated's.
    expect(first.length).toBeLessThanOrEqual(2);
    expect(await h.outboxChanges(id)).toBe(first.length);

    await h.publish([created, updated]);
    await h.settled();
    expect(await h.outboxChanges(id)).toBe(first.length);
    expect(await h.changes(id)).toEqual(first);
    expect(await h.processedEvents([created.id, updated.id])).toBe(2);
    expect(await h.client(id)).toMatchObject({ version: 2, rate_limit: 7 });
  });

  it('ends at version 50 when versions 1..50 of a client arrive shuffled', async () => {
    const first = adminEvent('client.created', { version: 1 });
    const id = first.payload.client_id;
    const events: AdminClientEvent[] = [first];
    for (let v = 2; v <= 50; v++)
      events.push(adminEvent('client.updated', { client_id: id, version: v, rate_limit: v }));
    events.sort(() => Math.random() - 0.5);
    // Several publishes, so the consumer sees the versions spread over several batches.
    for (let i = 0; i < events.length; i += 9) await h.publish(events.slice(i, i + 9));
    await h.settled();
    expect(await h.client(id)).toMatchObject({ version: 50, rate_limit: 50 });
  });

  it('dead-letters an invalid event among 1 000 valid ones with its errors and applies all 1 000', async () => {
    const valid = Array.from({ length: 1_000 }, () => adminEvent('client.created', { version: 1 }));
    const invalid = adminEvent('client.created', { version: 1, allowed_ips: ['10.0.0.300/8'] });
    const entries = [...valid.slice(0, 500), invalid, ...valid.slice(500)];
    const [entryId] = (await h.publish(entries)).slice(500, 501);
    await h.settled(60_000);
    expect(await h.countClients(valid.map((e) => e.payload.client_id))).toBe(1_000);
    expect(await h.client(invalid.payload.client_id)).toBeUndefined();
    const letters = (await h.deadLetters()).filter((l) => l.originalId === entryId);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      deliveries: 1,
      fields: { id: invalid.id, type: 'client.created' },
    });
    expect(letters[0].error).toMatch(
      /PayloadValidationError: invalid client\.created event: payload\.allowed_ips/,
    );
  }, 90_000);

  it('dead-letters unknown types, plaintext secrets and unparseable entries at once', async () => {
    const base = { occurredAt: new Date().toISOString(), correlationId: 'c-1' };
    const clientId = randomUUID();
    const entries = [
      {
        ...base,
        id: uuidv7(),
        type: 'client.deleted',
        payload: { client_id: clientId, version: 1 },
      },
      {
        ...base,
        id: uuidv7(),
        type: 'client.created',
        payload: { client_id: clientId, version: 1, client_secret: 'plain' },
      },
      { ...base, id: uuidv7(), type: 'client.updated', payload: '{not json' },
    ];
    const ids = await h.publish(entries);
    await h.settled();
    const letters = (await h.deadLetters()).filter((l) => ids.includes(l.originalId));
    const byId = new Map(letters.map((l) => [l.originalId, l]));
    expect(byId.get(ids[0])?.error).toMatch(/type must be one of/);
    expect(byId.get(ids[1])?.error).toMatch(
      /payload\.client_secret: plaintext secrets are never accepted/,
    );
    expect(byId.get(ids[2])?.error).toMatch(/UnparseableEntryError/);
    expect(letters.every((l) => l.deliveries === 1)).toBe(true);
    expect(await h.client(clientId)).toBeUndefined();
  });

  it('exposes lag, pending, oldest pending idle time, DLQ length and events per type', async () => {
    await h.settled();
    const text = await h.metrics();
    const labels = 'stream="stream:admin.client.events",group="event-consumer"';
    for (const name of [
      'messaging_group_lag',
      'messaging_group_pending',
      'messaging_oldest_pending_idle_seconds',
    ])
      expect(text).toMatch(new RegExp(`^${name}\\{${labels}[^}]*\\} 0$`, 'm'));
    expect(text).toMatch(new RegExp(`^messaging_dlq_length\\{${labels}[^}]*\\} [1-9]`, 'm'));
    expect(text).toMatch(
      /^event_consumer_events_total\{type="client\.created",outcome="committed"[^}]*\} [1-9]/m,
    );
    expect(text).toMatch(
      /^event_consumer_events_total\{type="unknown",outcome="rejected"[^}]*\} 1$/m,
    );
    expect(text).toMatch(/^event_consumer_registry_results_total\{result="applied"[^}]*\} [1-9]/m);
    expect(text).toMatch(
      /^messaging_handler_duration_seconds_count\{[^}]*stream="stream:admin\.client\.events"/m,
    );
  });

  it('recreates its group when the stream is deleted (NOGROUP) and applies what follows', async () => {
    await h.redis.del(h.key(Streams.AdminClientEvents));
    const event = adminEvent('client.created', { version: 1 });
    await h.publish([event]);
    await waitFor(
      'applied after NOGROUP',
      async () => (await h.client(event.payload.client_id)) !== undefined,
      20_000,
    );
    expect(await h.metrics()).toMatch(/^messaging_nogroup_recoveries_total\{[^}]*\} [1-9]/m);
  });
});
