import { Registry } from 'prom-client';
import { AdminEventsConfig } from '@libs/config';
import { NonRetryableError, RpcTimeoutError, type RpcClient } from '@libs/messaging';
import { RemoteError, type AdminClientEvent, type ApplyEventsResult } from '@libs/models';
import { adminEvent } from '@libs/testing';
import { AdminEventsMetrics } from './admin-events.metrics';
import { RegistryEventsClient, type PendingEvent } from './registry-events.client';

type Answer = (events: AdminClientEvent[]) => ApplyEventsResult | Error;

/** A registry stand-in: each call gets `answer(events)`; records what was sent. */
function fakeRpc(answer: Answer) {
  const calls: AdminClientEvent[][] = [];
  const rpc = {
    request: jest.fn(
      async (_service: string, _pattern: string, payload: { events: AdminClientEvent[] }) => {
        calls.push(payload.events);
        const result = answer(payload.events);
        if (result instanceof Error) throw result;
        return result;
      },
    ),
  };
  return { rpc: rpc as unknown as RpcClient, calls };
}

const config = (rpcTimeoutMs = 1_000) =>
  new AdminEventsConfig('c', 100, 100, 60_000, 30_000, 10_000, 5, rpcTimeoutMs, 1_000);
const items = (n: number): PendingEvent[] =>
  Array.from({ length: n }, (_, i) => ({ entryId: `1-${i}`, event: adminEvent('client.created') }));
const applied = (events: AdminClientEvent[]): ApplyEventsResult => ({
  applied: events.length,
  duplicates: 0,
  stale: 0,
});
const soon = () => Date.now() + 5_000;

function client(answer: Answer, rpcTimeoutMs?: number) {
  const { rpc, calls } = fakeRpc(answer);
  return {
    calls,
    registry: new RegistryEventsClient(
      rpc,
      config(rpcTimeoutMs),
      new AdminEventsMetrics(new Registry()),
    ),
  };
}

describe('RegistryEventsClient', () => {
  it('applies a batch in one call and reports every event committed', async () => {
    const { registry, calls } = client(applied);
    const batch = items(10);
    const outcome = await registry.apply(batch, soon());
    expect(calls).toHaveLength(1);
    expect(outcome.result).toEqual({ applied: 10, duplicates: 0, stale: 0 });
    expect(outcome.committed).toEqual(batch);
    expect(outcome.failed.size).toBe(0);
  });

  it('splits batches above the registry limit of 5 000 events per call', async () => {
    const { registry, calls } = client(applied);
    await registry.apply(items(12_001), soon());
    expect(calls.map((c) => c.length)).toEqual([5_000, 5_000, 2_001]);
  });

  it('isolates the event the registry refuses; the others commit; a refusal is final', async () => {
    const batch = items(100);
    const poison = batch[37].event.id;
    const { registry, calls } = client((events) =>
      events.some((e) => e.id === poison)
        ? new RemoteError(65012, 'events[0] is not valid')
        : applied(events),
    );
    const outcome = await registry.apply(batch, soon());
    expect(outcome.committed).toHaveLength(99);
    expect([...outcome.failed.keys()]).toEqual(['1-37']);
    expect(outcome.failed.get('1-37')).toBeInstanceOf(NonRetryableError);
    expect(outcome.result.applied).toBe(99);
    expect(calls.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100)) + 1);
  });

  it('leaves an isolated event that fails for another reason to be retried', async () => {
    const batch = items(4);
    const { registry } = client((events) =>
      events.some((e) => e.id === batch[2].event.id)
        ? new RemoteError(65011, 'database error')
        : applied(events),
    );
    const outcome = await registry.apply(batch, soon());
    expect(outcome.failed.get('1-2')).toBeInstanceOf(RemoteError);
    expect(outcome.failed.get('1-2')).not.toBeInstanceOf(NonRetryableError);
    expect(outcome.committed).toHaveLength(3);
  });

  it('bounds the calls one batch spends when every call fails', async () => {
    const { registry, calls } = client(() => new RemoteError(65011, 'database down'));
    const outcome = await registry.apply(items(1_000), soon());
    expect(outcome.failed.size).toBe(1_000);
    expect(calls).toHaveLength(64);
  });

  it('asks again while the registry does not answer, within the same delivery', async () => {
    let attempts = 0;
    const { registry } = client((events) =>
      ++attempts < 3
        ? new RpcTimeoutError('client-registry', 'clients.applyEvents', 1)
        : applied(events),
    );
    const outcome = await registry.apply(items(5), soon());
    expect(attempts).toBe(3);
    expect(outcome.committed).toHaveLength(5);
  });

  it('gives up by the deadline and leaves the batch for a later delivery', async () => {
    const { registry, calls } = client(
      () => new RpcTimeoutError('client-registry', 'clients.applyEvents', 1),
      200,
    );
    const started = Date.now();
    const outcome = await registry.apply(items(3), started + 700);
    expect(Date.now()).toBeLessThanOrEqual(started + 700);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect([...outcome.failed.values()].every((e) => e instanceof RpcTimeoutError)).toBe(true);
    expect(outcome.committed).toEqual([]);
  });
});
