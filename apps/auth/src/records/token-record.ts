/** What Portico keeps of an issued access token (never the token itself). */
export interface TokenRecord {
  jti: string;
  clientId: string;
  scope: string;
  audience: string;
  /** Epoch seconds. */
  issuedAt: number;
  expiresAt: number;
  sourceIp: string | null;
}

/** Stream entry fields of a record, in a fixed order (flat: this buffer is on the hot path). */
export function recordFields(r: TokenRecord): string[] {
  return [
    'jti',
    r.jti,
    'cid',
    r.clientId,
    'scp',
    r.scope,
    'aud',
    r.audience,
    'iat',
    String(r.issuedAt),
    'exp',
    String(r.expiresAt),
    'ip',
    r.sourceIp ?? '',
  ];
}

/** The record in a stream entry's field list, or undefined when the entry is not one. */
export function parseRecordFields(fields: string[]): TokenRecord | undefined {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  const jti = map.get('jti');
  const clientId = map.get('cid');
  const issuedAt = Number(map.get('iat'));
  const expiresAt = Number(map.get('exp'));
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (!jti || !clientId || !uuid.test(jti) || !uuid.test(clientId)) return undefined;
  if (!Number.isFinite(issuedAt) || !Number.isFinite(expiresAt)) return undefined;
  return {
    jti,
    clientId,
    scope: map.get('scp') ?? '',
    audience: map.get('aud') ?? '',
    issuedAt,
    expiresAt,
    sourceIp: map.get('ip') || null,
  };
}

/**
 * The one statement that stores a batch of records (the flush jobs, and the flush benchmark's raw
 * anchor): columns as arrays through `unnest`, rows already stored skipped.
 */
export function recordsInsert(records: readonly TokenRecord[]): [text: string, values: unknown[]] {
  const column = <K extends keyof TokenRecord>(key: K) => records.map((r) => r[key]);
  return [
    `INSERT INTO auth.issued_tokens (jti, client_id, scope, audience, issued_at, expires_at, source_ip)
     SELECT jti, client_id, scope, audience, to_timestamp(iat), to_timestamp(exp), ip
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::inet[])
       AS r(jti, client_id, scope, audience, iat, exp, ip)
     ON CONFLICT (jti) DO NOTHING`,
    [
      column('jti'),
      column('clientId'),
      column('scope'),
      column('audience'),
      column('issuedAt'),
      column('expiresAt'),
      column('sourceIp'),
    ],
  ];
}
