import { Injectable } from '@nestjs/common';
import { CryptoError, KeyRing } from '@libs/crypto';
import type { ProviderCredentials, ProviderName } from '@libs/provider-clients';
import { credentialContext, fieldsOf, type SecretColumn } from './credential-fields';
import type { ColumnValues, CredentialRow } from './credential.repository';
import { CredentialsError, CredentialsErrorCode } from './credentials.errors';

/**
 * Turns credential fields into column values and back. Every secret is encrypted under the key
 * ring's current key, bound to its column and to the row's (user_id, provider).
 */
@Injectable()
export class CredentialCipher {
  constructor(private readonly ring: KeyRing) {}

  /** Column values of the given fields (`null` clears a column). */
  seal(
    userId: string,
    provider: ProviderName,
    fields: ReadonlyMap<string, string | null>,
  ): ColumnValues {
    const values: Record<string, string | null> = {};
    for (const [name, spec] of fieldsOf(provider)) {
      const value = fields.get(name);
      if (value === undefined) continue;
      values[spec.column] =
        value !== null && spec.kind === 'secret'
          ? this.ring.encrypt(value, credentialContext(spec.column, userId, provider))
          : value;
    }
    return values;
  }

  /** The decrypted credentials of a row; 65014 when a value does not decrypt. */
  async open(row: CredentialRow): Promise<ProviderCredentials> {
    const { provider } = row;
    const entries = await Promise.all(
      fieldsOf(provider).map(async ([name, spec]): Promise<[string, unknown]> => {
        const stored = row[spec.column];
        if (stored === null) return [name, undefined];
        if (spec.kind === 'time') return [name, new Date(stored)];
        if (spec.kind === 'url') return [name, stored];
        return [name, await this.decrypt(stored, row, spec.column)];
      }),
    );
    const present = entries.filter(([, value]) => value !== undefined);
    return { provider, ...Object.fromEntries(present) } as ProviderCredentials;
  }

  private async decrypt(
    ciphertext: string,
    row: CredentialRow,
    column: SecretColumn,
  ): Promise<string> {
    try {
      const plaintext = await this.ring.decrypt(
        ciphertext,
        credentialContext(column, row.user_id, row.provider),
      );
      try {
        return plaintext.toString('utf8');
      } finally {
        plaintext.fill(0);
      }
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      throw new CredentialsError(
        CredentialsErrorCode.Unreadable,
        `${row.provider} credentials of user ${row.user_id} cannot be decrypted ` +
          `(${column}: ${error.code})`,
        { cause: error },
      );
    }
  }
}
