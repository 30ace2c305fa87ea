import { adminEvent } from '@libs/testing';
import { applyEvent, recordChanged } from './client-merge';

const NOW = '2026-11-21T10:00:00.000Z';

describe('applyEvent', () => {
  it('creates a client from client.created with every field it carries', () => {
    const event = adminEvent('client.created', {
      version: 1,
      allowed_ips: ['10.0.0.1', '::ffff:10.1.0.0/112'],
      rate_limit: 50,
    });
    const record = applyEvent(undefined, event, NOW);
    expect(record).toMatchObject({
      client_id: event.payload.client_id,
      client_secret_hash: event.payload.client_secret_hash,
      allowed_ips: ['10.0.0.1/32', '10.1.0.0/16'],
      rate_limit: 50,
      status: 'ACTIVE',
      version: 1,
      last_synced_at: NOW,
    });
  });

  it('suspends and revokes, stamping revoked_before with the event time', () => {
    const created = adminEvent('client.created', { version: 1 });
    const id = created.payload.client_id;
    const suspended = applyEvent(
      applyEvent(undefined, created, NOW),
      adminEvent('client.suspended', { client_id: id, version: 2 }),
      NOW,
    );
    expect(suspended.status).toBe('SUSPENDED');
    const revoked = applyEvent(
      suspended,
      adminEvent('client.revoked', { client_id: id, version: 3 }, '2026-11-21T09:59:00.000Z'),
      NOW,
    );
    expect(revoked).toMatchObject({
      status: 'REVOKED',
      revoked_before: '2026-11-21T09:59:00.000Z',
      version: 3,
    });
  });

  it('never lets an older version overwrite a newer one', () => {
    const v5 = applyEvent(
      undefined,
      adminEvent('client.created', { version: 5, rate_limit: 5 }),
      NOW,
    );
    const after = applyEvent(
      v5,
      adminEvent('client.updated', {
        client_id: v5.client_id,
        version: 4,
        rate_limit: 4,
        status: 'SUSPENDED',
      }),
      NOW,
    );
    expect(after).toEqual(v5);
    expect(recordChanged(v5, after)).toBe(false);
  });

  it('lets a late client.created fill the secret hash of a client first seen suspended, keeping the suspension', () => {
    const suspendedFirst = applyEvent(
      undefined,
      adminEvent('client.suspended', { version: 2 }),
      NOW,
    );
    expect(suspendedFirst).toMatchObject({
      status: 'SUSPENDED',
      client_secret_hash: null,
      version: 2,
    });
    const created = adminEvent('client.created', {
      client_id: suspendedFirst.client_id,
      version: 1,
    });
    const after = applyEvent(suspendedFirst, created, NOW);
    expect(after).toMatchObject({
      status: 'SUSPENDED',
      version: 2,
      client_secret_hash: created.payload.client_secret_hash,
    });
  });

  it('keeps a revoked client revoked whatever newer events say', () => {
    const created = applyEvent(undefined, adminEvent('client.created', { version: 1 }), NOW);
    const revoked = applyEvent(
      created,
      adminEvent('client.revoked', { client_id: created.client_id, version: 2 }),
      NOW,
    );
    const reactivated = applyEvent(
      revoked,
      adminEvent('client.updated', {
        client_id: created.client_id,
        version: 3,
        status: 'ACTIVE',
        rate_limit: 9,
      }),
      NOW,
    );
    expect(reactivated).toMatchObject({ status: 'REVOKED', version: 3, rate_limit: 9 });
    const suspended = applyEvent(
      reactivated,
      adminEvent('client.suspended', { client_id: created.client_id, version: 4 }),
      NOW,
    );
    expect(suspended.status).toBe('REVOKED');
  });

  it('changes only the fields an update carries', () => {
    const v1 = applyEvent(
      undefined,
      adminEvent('client.created', { version: 1, scopes: ['a'], rate_limit: 10 }),
      NOW,
    );
    const v2 = applyEvent(
      v1,
      adminEvent('client.updated', { client_id: v1.client_id, version: 2, scopes: ['a', 'b'] }),
      NOW,
    );
    expect(v2).toMatchObject({
      scopes: ['a', 'b'],
      rate_limit: 10,
      client_secret_hash: v1.client_secret_hash,
      version: 2,
    });
  });
});

describe('recordChanged', () => {
  const base = applyEvent(
    undefined,
    adminEvent('client.created', {
      version: 3,
      scopes: ['a', 'b'],
      allowed_ips: ['10.0.0.0/8'],
      metadata: { tier: 'gold', limits: { daily: 5, tags: ['x'] } },
    }),
    NOW,
  );
  const strip = (r: object) => JSON.stringify({ ...r, updated_at: '', last_synced_at: '' });

  // Every variation of one field, the answer of comparing serializations beside it.
  const variations: [string, unknown][] = [
    ['scopes', ['a', 'b']],
    ['scopes', ['b', 'a']],
    ['scopes', ['a']],
    ['scopes', []],
    ['scopes', { 0: 'a', 1: 'b' }],
    ['allowed_ips', ['10.0.0.0/8']],
    ['allowed_ips', ['10.0.0.0/16']],
    ['metadata', { tier: 'gold', limits: { daily: 5, tags: ['x'] } }],
    ['metadata', { limits: { daily: 5, tags: ['x'] }, tier: 'gold' }],
    ['metadata', { tier: 'gold', limits: { daily: 6, tags: ['x'] } }],
    ['metadata', { tier: 'gold', limits: { daily: 5, tags: ['x', 'y'] } }],
    ['metadata', { tier: 'gold', limits: { daily: '5', tags: ['x'] } }],
    ['metadata', { tier: 'gold', limits: [5, ['x']] }],
    ['metadata', { tier: 'gold', limits: null }],
    ['metadata', {}],
    ['rate_limit', null],
    ['rate_limit', 0],
    ['status', 'SUSPENDED'],
    ['version', 4],
    ['revoked_before', NOW],
    ['client_secret_hash', base.client_secret_hash],
    ['client_secret_hash', null],
    ['updated_at', '2030-01-01T00:00:00.000Z'],
    ['last_synced_at', null],
  ];

  it.each(variations)('agrees with comparing serializations when %s becomes %j', (field, value) => {
    const changed = { ...base, [field]: value };
    expect(recordChanged(base, changed)).toBe(strip(base) !== strip(changed));
    expect(recordChanged(changed, base)).toBe(strip(base) !== strip(changed));
  });

  it('sees a new client as a change and bookkeeping timestamps as none', () => {
    expect(recordChanged(undefined, base)).toBe(true);
    expect(recordChanged(base, { ...base, updated_at: NOW, last_synced_at: NOW })).toBe(false);
    expect(recordChanged(base, structuredClone(base))).toBe(false);
  });
});
