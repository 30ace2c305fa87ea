import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { PayloadValidationError, compileCheck } from '@libs/messaging';
import {
  ADMIN_CLIENT_EVENT_PAYLOADS,
  ADMIN_CLIENT_EVENT_TYPES,
  AdminClientEventEnvelope,
  type AdminClientEventType,
} from '@libs/models';
import { adminEvent, sha256Of } from '@libs/testing';
import { validateAdminEvent, type RawAdminEvent } from './admin-event.validation';

const ARGON2ID = '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';

/** The problems validation reports for an event, or [] when it is valid. */
async function problemsOf(raw: RawAdminEvent): Promise<string[]> {
  try {
    await validateAdminEvent(raw);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(PayloadValidationError);
    return [...(error as PayloadValidationError).details];
  }
}

const minimal = (type: AdminClientEventType, payload: object = {}): RawAdminEvent => {
  const { id, occurredAt, payload: base } = adminEvent(type);
  return { id, type, occurredAt, payload: { client_id: base.client_id, version: 1, ...payload } };
};

describe('validateAdminEvent', () => {
  it.each(ADMIN_CLIENT_EVENT_TYPES)('accepts a full %s event', async (type) => {
    const raw = adminEvent(type, {
      client_secret_hash: sha256Of('s'),
      api_key_hash: ARGON2ID,
      bap_id: 'bap.example',
      bap_uri: 'https://bap.example/cb',
      allowed_ips: ['10.0.0.0/8', '2001:db8::1'],
      rate_limit: 600,
      scopes: ['orders:read'],
      grant_types: ['client_credentials'],
      metadata: { team: 'billing', nested: { level: 2 } },
    });
    await expect(validateAdminEvent(raw)).resolves.toMatchObject({ id: raw.id, type });
  });

  it('accepts suspended and revoked events with only client_id and version', async () => {
    expect(await problemsOf(minimal('client.suspended'))).toEqual([]);
    expect(await problemsOf(minimal('client.revoked'))).toEqual([]);
  });

  it('requires a credential hash on client.created and client.api_key_rotated', async () => {
    for (const type of ['client.created', 'client.api_key_rotated'] as const) {
      const problems = await problemsOf(minimal(type));
      expect(problems).toEqual([
        expect.stringMatching(/^payload\.client_secret_hash or api_key_hash is required/),
      ]);
      expect(await problemsOf(minimal(type, { api_key_hash: sha256Of('k') }))).toEqual([]);
    }
    expect(await problemsOf(minimal('client.updated'))).toEqual([]);
  });

  it('refuses hashes in other formats', async () => {
    const upper = sha256Of('s').toUpperCase().replace('SHA256', 'sha256');
    for (const hash of [upper, 'sha256$abc', 'plain-secret', '$argon2i$v=19$m=1,t=1,p=1$a$b'])
      expect(await problemsOf(minimal('client.updated', { client_secret_hash: hash }))).toEqual([
        expect.stringContaining('payload.client_secret_hash must be "sha256$"'),
      ]);
  });

  it('refuses any field that looks like a plaintext secret, naming it but never its value', async () => {
    const raw = minimal('client.updated', {
      client_secret: 'hunter2-value',
      apiKey: 'k-value',
      metadata: { note: 'ok', db: { password: 'p-value' } },
    });
    const problems = await problemsOf(raw);
    expect(problems).toEqual([
      expect.stringMatching(/^payload\.client_secret: plaintext secrets are never accepted/),
      expect.stringMatching(/^payload\.apiKey: plaintext secrets/),
      expect.stringMatching(/^payload\.metadata\.db\.password: plaintext secrets/),
    ]);
    expect(problems.join()).not.toMatch(/value/);
  });

  it('refuses a status that contradicts the event type', async () => {
    expect(await problemsOf(minimal('client.suspended', { status: 'ACTIVE' }))).toEqual([
      expect.stringContaining('payload.status'),
    ]);
    expect(await problemsOf(minimal('client.revoked', { status: 'REVOKED' }))).toEqual([]);
    expect(await problemsOf(minimal('client.updated', { status: 'PAUSED' }))).toHaveLength(1);
  });

  it('lists every problem of the envelope and the payload at once', async () => {
    const raw: RawAdminEvent = {
      id: 'not-a-uuid',
      type: 'client.updated',
      occurredAt: '2026-11-21 10:00:00',
      payload: {
        client_id: 'nope',
        version: 0,
        allowed_ips: ['10.0.0.300/8'],
        bap_uri: 'ftp://x',
        rate_limit: 1.5,
        scopes: ['has space'],
        metadata: [],
        client_code: 'a\u0000b',
      },
    };
    const problems = await problemsOf(raw);
    for (const field of [
      'id',
      'occurredAt',
      'client_id',
      'version',
      'allowed_ips',
      'bap_uri',
      'rate_limit',
      'scopes',
      'metadata',
      'client_code',
    ])
      expect(problems.join('\n')).toMatch(new RegExp(`^(payload\\.)?${field}\\b`, 'm'));
  });

  it('refuses unknown event types and payloads that are not objects', async () => {
    expect(await problemsOf({ ...minimal('client.updated'), type: 'client.deleted' })).toEqual([
      expect.stringMatching(/^type must be one of client\.created, /),
    ]);
    expect(await problemsOf({ ...minimal('client.updated'), payload: [1] })).toEqual([
      'payload must be a JSON object',
    ]);
  });

  it('drops unknown fields, lowercases the id and states occurredAt in UTC', async () => {
    const raw = minimal('client.updated', { future_field: 1 });
    const event = await validateAdminEvent({
      ...raw,
      id: raw.id.toUpperCase(),
      occurredAt: '2026-11-21T12:00:00+02:00',
    });
    expect(event.id).toBe(raw.id);
    expect(event.occurredAt).toBe('2026-11-21T10:00:00.000Z');
    expect(event.payload).not.toHaveProperty('future_field');
    const { future_field: _dropped, ...known } = raw.payload as Record<string, unknown>;
    expect(JSON.parse(JSON.stringify(event.payload))).toEqual(known);
  });
});

describe('compiled constraints of the admin event classes', () => {
  // Values that break some rule of some field, and a few that satisfy them.
  const VALUES: unknown[] = [
    undefined,
    null,
    '',
    'x',
    5,
    0,
    -1,
    1.5,
    2 ** 53,
    true,
    [],
    ['orders:read'],
    ['bad scope'],
    ['10.0.0.0/8'],
    ['10.0.0.300/8'],
    Array.from({ length: 300 }, () => '10.0.0.1'),
    {},
    { team: 'x' },
    { big: 'x'.repeat(20_000) },
    sha256Of('s'),
    ARGON2ID,
    'sha256$ABC',
    'https://bap.example/cb',
    'ftp://bap.example',
    'ACTIVE',
    'SUSPENDED',
    'REVOKED',
    'PAUSED',
    '2026-11-21T10:00:00Z',
    '2026-11-21 10:00:00',
    '01a1fe4f-6397-70d3-a5f4-8841c106b624',
    'client.created',
  ];
  const full = adminEvent('client.created', {
    client_secret_hash: sha256Of('s'),
    api_key_hash: ARGON2ID,
    bap_id: 'bap.example',
    bap_uri: 'https://bap.example/cb',
    allowed_ips: ['10.0.0.0/8'],
    rate_limit: 600,
    scopes: ['orders:read'],
    grant_types: ['client_credentials'],
    metadata: { team: 'billing' },
    status: 'ACTIVE',
  });
  const classes: [string, new () => object, Record<string, unknown>][] = [
    [
      'envelope',
      AdminClientEventEnvelope,
      { id: full.id, type: full.type, occurredAt: full.occurredAt },
    ],
    ...ADMIN_CLIENT_EVENT_TYPES.map(
      (type) =>
        [type, ADMIN_CLIENT_EVENT_PAYLOADS[type], { ...(full.payload as object) }] as [
          string,
          new () => object,
          Record<string, unknown>,
        ],
    ),
  ];

  it.each(classes)(
    '%s: compiled, and agrees with class-validator field by field',
    (_, cls, base) => {
      const compiled = compileCheck(cls);
      // The consumer's speed depends on these classes staying compilable.
      expect(compiled).toBeDefined();
      const accepts = (plain: object) =>
        validateSync(plainToInstance(cls, plain), { whitelist: true, forbidUnknownValues: true })
          .length === 0;
      const cases = [base];
      for (const field of [...Object.keys(base), 'status'])
        for (const value of VALUES) cases.push({ ...base, [field]: value });
      for (const plain of cases) {
        const instance = plainToInstance(cls, plain) as Record<string, unknown>;
        for (const key of Object.keys(instance))
          if (!compiled!.whitelist.has(key)) delete instance[key];
        if (compiled!.check(instance) !== accepts(plain))
          throw new Error(`disagrees on ${JSON.stringify(plain).slice(0, 300)}`);
      }
    },
  );
});
