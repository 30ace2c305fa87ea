import { Registry } from 'prom-client';
import { AdminEventsConfig } from '@libs/config';
import { PayloadValidationError, type ReceivedMessage } from '@libs/messaging';
import { adminEvent } from '@libs/testing';
import { AdminEventsMetrics } from './admin-events.metrics';
import { AdminEventsService } from './admin-events.service';
import type { ApplyOutcome, PendingEvent, RegistryEventsClient } from './registry-events.client';

const message = (entryId: string, envelope: object): ReceivedMessage =>
  ({
    entryId,
    stream: 'stream:admin.client.events',
    deliveries: 1,
    envelope: { correlationId: 'c', ...envelope },
  }) as ReceivedMessage;

describe('AdminEventsService', () => {
  const config = new AdminEventsConfig('c', 100, 100, 60_000, 2_000, 10_000, 5, 1_000, 1_000);

  function service(apply: (items: readonly PendingEvent[], deadline: number) => ApplyOutcome) {
    const registry = {
      apply: jest.fn(async (items: readonly PendingEvent[], deadline: number) =>
        apply(items, deadline),
      ),
    };
    const metrics = new AdminEventsMetrics(new Registry());
    return {
      registry,
      events: new AdminEventsService(registry as unknown as RegistryEventsClient, metrics, config),
    };
  }

  it('fails invalid entries as non-retryable, sends only valid ones, and reports registry failures', async () => {
    const ok = adminEvent('client.created');
    const stuck = adminEvent('client.updated');
    const { registry, events } = service((items) => ({
      result: { applied: 1, duplicates: 0, stale: 0 },
      committed: items.filter((i) => i.entryId === '1-0'),
      failed: new Map([['1-2', new Error('registry down')]]),
    }));
    const started = Date.now();
    const outcome = await events.handleBatch([
      message('1-0', ok),
      message('1-1', { ...ok, type: 'client.unknown' }),
      message('1-2', stuck),
    ]);
    expect(registry.apply).toHaveBeenCalledTimes(1);
    const [items, deadline] = registry.apply.mock.calls[0];
    expect(items.map((i) => i.entryId)).toEqual(['1-0', '1-2']);
    // The registry must be done before the transport's handler timeout (2 000 ms here).
    expect(deadline).toBeLessThan(started + 2_000);
    expect(outcome.failed?.get('1-1')).toBeInstanceOf(PayloadValidationError);
    expect(outcome.failed?.get('1-2')?.message).toBe('registry down');
    expect(outcome.failed?.has('1-0')).toBe(false);
  });

  it('does not call the registry when no entry is valid', async () => {
    const { registry, events } = service(() => {
      throw new Error('not called');
    });
    const outcome = await events.handleBatch([
      message('1-0', { ...adminEvent('client.created'), occurredAt: 'yesterday' }),
    ]);
    expect(registry.apply).not.toHaveBeenCalled();
    expect(outcome.failed?.size).toBe(1);
  });
});
