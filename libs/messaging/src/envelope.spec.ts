import { decodeEnvelope, envelopeFields } from './envelope';
import { resolveGroupOptions } from './consumer-group.options';
import { UnparseableEntryError } from './messaging.errors';
import { assertNoSecrets } from './stream-publisher';
import { compareEntryIds, Streams } from './streams';

describe('envelopes', () => {
  const envelope = {
    id: '0193a6f0-0000-7000-8000-000000000001',
    type: 'client.created',
    payload: { client_id: 'c' },
    occurredAt: '2026-11-21T10:00:00.000Z',
    correlationId: 'corr-1',
  };

  it('round-trips through stream fields, RPC fields included', () => {
    const rpc = { ...envelope, replyTo: Streams.rpcReply('i1'), deadline: 1_700_000_000_000 };
    expect(decodeEnvelope(envelopeFields(rpc, JSON.stringify(rpc.payload)))).toEqual(rpc);
  });

  it('reads the Admin Service layout and ignores unknown fields', () => {
    const fields = ['id', envelope.id, 'type', 'client.created', 'occurredAt', envelope.occurredAt];
    fields.push('correlationId', 'corr-1', 'payload', '{"client_id":"c"}', 'extra', 'x');
    expect(decodeEnvelope(fields)).toEqual(envelope);
  });

  it('refuses entries without required fields or with a payload that is not JSON', () => {
    expect(() => decodeEnvelope(['id', 'x', 'type', 't'])).toThrow(UnparseableEntryError);
    const bad = envelopeFields(envelope, '{not json');
    expect(() => decodeEnvelope(bad)).toThrow('payload is not JSON');
  });

  it('replaces a correlation id that is unsafe to log', () => {
    const fields = envelopeFields({ ...envelope, correlationId: 'bad\nid' }, '{}');
    expect(decodeEnvelope(fields).correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('stream names and ids', () => {
  it('names RPC and dead-letter streams', () => {
    expect(Streams.rpc('client-registry')).toBe('stream:rpc:client-registry');
    expect(Streams.rpcReply('i-1')).toBe('stream:rpc:reply:i-1');
    expect(Streams.dlq(Streams.AdminClientEvents)).toBe('stream:admin.client.events.dlq');
  });

  it('orders entry ids numerically', () => {
    expect(compareEntryIds('10-0', '9-5')).toBeGreaterThan(0);
    expect(compareEntryIds('5-10', '5-9')).toBeGreaterThan(0);
    expect(compareEntryIds('5-1', '5-1')).toBe(0);
    expect(compareEntryIds('0-0', '1-0')).toBeLessThan(0);
  });
});

describe('guards', () => {
  it('refuses secret-named payload fields but accepts hashes', () => {
    expect(() => assertNoSecrets('t', { password: 'x' })).toThrow('field "password"');
    expect(() => assertNoSecrets('t', { client_secret_hash: 'sha256$ab' })).not.toThrow();
  });

  it('refuses a minIdle that a running handler could outlast', () => {
    expect(() =>
      resolveGroupOptions(
        { stream: 's', group: 'g', minIdleMs: 1_000, handlerTimeoutMs: 1_000 },
        'i',
      ),
    ).toThrow('minIdleMs (1000) must exceed handlerTimeoutMs (1000)');
    expect(resolveGroupOptions({ stream: 's', group: 'g' }, 'i')).toMatchObject({
      consumer: 'i',
      minIdleMs: 60_000,
      maxDeliveries: 5,
      startId: '0',
    });
  });
});
