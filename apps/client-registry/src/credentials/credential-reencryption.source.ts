import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { KeyRing, type EncryptedField, type ReencryptionSource } from '@libs/crypto';
import { PROVIDERS, type ProviderName } from '@libs/provider-clients';
import { credentialContext, SECRET_COLUMNS, type SecretColumn } from './credential-fields';
import { CREDENTIALS_TABLE, run, runChange } from './credential.repository';

/** Where one value lives; its ref is `<user_id>/<provider>/<column>` (user ids may hold `/`). */
interface Place {
  readonly userId: string;
  readonly provider: ProviderName;
  readonly column: SecretColumn;
}

type ScannedRow = { user_id: string; provider: ProviderName } & Record<SecretColumn, string | null>;

/**
 * The credential table as `reencryptAll` reads and writes it. Pages follow the primary key
 * (user_id, provider), then the column order; only rows with a value under another key are read
 * (`key_id` is derived from the ciphertexts), so a pass is resumable by simply running it again.
 */
@Injectable()
export class CredentialReencryptionSource implements ReencryptionSource {
  constructor(private readonly dataSource: DataSource) {}

  async scan(
    currentKeyId: string,
    afterRef: string | undefined,
    limit: number,
  ): Promise<readonly EncryptedField[]> {
    const after = afterRef === undefined ? undefined : parseRef(afterRef);
    // limit + 1 rows: the first may be the cursor's row with nothing left after the cursor.
    const rows = await run<ScannedRow>(
      this.dataSource.manager,
      `SELECT user_id, provider, ${SECRET_COLUMNS.join(', ')} FROM ${CREDENTIALS_TABLE}
       WHERE key_id IS DISTINCT FROM $1 AND ($2::text IS NULL OR (user_id, provider) >= ($2, $3))
       ORDER BY user_id, provider LIMIT $4`,
      [currentKeyId, after?.userId ?? null, after?.provider ?? null, limit + 1],
    );
    return rows
      .flatMap((row) => pendingPlaces(row, currentKeyId))
      .filter(({ place }) => after === undefined || isAfter(place, after))
      .slice(0, limit)
      .map(({ place, ciphertext }) => ({
        ref: `${place.userId}/${place.provider}/${place.column}`,
        context: credentialContext(place.column, place.userId, place.provider),
        ciphertext,
      }));
  }

  async replace(field: EncryptedField, next: string): Promise<boolean> {
    const { userId, provider, column } = parseRef(field.ref);
    const rows = await runChange(
      this.dataSource.manager,
      `UPDATE ${CREDENTIALS_TABLE} SET ${column} = $3
       WHERE user_id = $1 AND provider = $2 AND ${column} = $4 RETURNING 1`,
      [userId, provider, next, field.ciphertext],
    );
    return rows.length === 1;
  }

  /** Credential rows per data key; `null` counts rows whose values are under several keys. */
  async rowsPerKey(): Promise<Map<string | null, number>> {
    const rows = await run<{ key_id: string | null; n: number }>(
      this.dataSource.manager,
      `SELECT key_id, count(*)::int AS n FROM ${CREDENTIALS_TABLE} GROUP BY key_id`,
      [],
    );
    return new Map(rows.map((r) => [r.key_id, r.n]));
  }
}

/** The row's values not under `currentKeyId` (malformed ones too: the pass reports them). */
function pendingPlaces(row: ScannedRow, currentKeyId: string) {
  return SECRET_COLUMNS.flatMap((column) => {
    const ciphertext = row[column];
    if (ciphertext === null || keyIdOf(ciphertext) === currentKeyId) return [];
    return [{ place: { userId: row.user_id, provider: row.provider, column }, ciphertext }];
  });
}

function keyIdOf(ciphertext: string): string | undefined {
  try {
    return KeyRing.keyIdOf(ciphertext);
  } catch {
    // Malformed text stays in the pass, which reports it as unreadable.
    return undefined;
  }
}

/** Rows come at or after the cursor's row, so only that row needs the column order. */
function isAfter(place: Place, cursor: Place): boolean {
  if (place.userId !== cursor.userId || place.provider !== cursor.provider) return true;
  return SECRET_COLUMNS.indexOf(place.column) > SECRET_COLUMNS.indexOf(cursor.column);
}

function parseRef(ref: string): Place {
  const columnAt = ref.lastIndexOf('/');
  const providerAt = ref.lastIndexOf('/', columnAt - 1);
  const place = {
    userId: ref.slice(0, providerAt),
    provider: ref.slice(providerAt + 1, columnAt) as ProviderName,
    column: ref.slice(columnAt + 1) as SecretColumn,
  };
  if (
    providerAt < 1 ||
    !PROVIDERS.includes(place.provider) ||
    !SECRET_COLUMNS.includes(place.column)
  ) {
    throw new Error(`not a credential value ref: ${ref}`);
  }
  return place;
}
