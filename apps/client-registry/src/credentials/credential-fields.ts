import { fieldContext, type EncryptionContext } from '@libs/crypto';
import type { CredentialsOf, ProviderName } from '@libs/provider-clients';

/** Columns that hold `pc1:` ciphertexts (every credential value; see docs/credentials.md). */
export const SECRET_COLUMNS = [
  'consumer_key',
  'consumer_secret',
  'token',
  'token_secret',
  'api_key',
  'refresh_token',
  'access_token',
] as const;
export type SecretColumn = (typeof SECRET_COLUMNS)[number];

/** How one credential field is checked and where it is stored. */
export type FieldSpec =
  | { readonly kind: 'secret'; readonly column: SecretColumn; readonly required: boolean }
  | { readonly kind: 'time'; readonly column: 'expires_at'; readonly required: false }
  | { readonly kind: 'url'; readonly column: 'token_url'; readonly required: false };

const secret = (column: SecretColumn, required = true): FieldSpec => ({
  kind: 'secret',
  column,
  required,
});

/** The fields of `ProviderCredentials` per provider, minus the `provider` tag. */
type FieldTable = {
  readonly [P in ProviderName]: Readonly<
    Record<Exclude<keyof CredentialsOf<P>, 'provider'>, FieldSpec>
  >;
};

// OAuth 2.0 client id/secret share the OAuth 1.0a consumer columns: RFC 5849 itself renamed the
// "consumer" to the "client", and no provider has both.
const OAUTH2_FIELDS = {
  clientId: secret('consumer_key'),
  clientSecret: secret('consumer_secret'),
  refreshToken: secret('refresh_token'),
  accessToken: secret('access_token', false),
  expiresAt: { kind: 'time', column: 'expires_at', required: false },
  tokenUrl: { kind: 'url', column: 'token_url', required: false },
} as const;

/** Every provider's credential fields, named as in `@libs/provider-clients`. */
export const PROVIDER_FIELDS: FieldTable = {
  bricklink: {
    consumerKey: secret('consumer_key'),
    consumerSecret: secret('consumer_secret'),
    tokenValue: secret('token'),
    tokenSecret: secret('token_secret'),
  },
  brickowl: { apiKey: secret('api_key') },
  discogs: { token: secret('token') },
  gmail: OAUTH2_FIELDS,
  outlook: OAUTH2_FIELDS,
};

/** Providers whose rows may carry the mailbox (`email`) and granted `scopes`. */
export const MAILBOX_PROVIDERS: ReadonlySet<ProviderName> = new Set(['gmail', 'outlook']);

/** The fields of one provider as `[name, spec]` pairs. */
export function fieldsOf(provider: ProviderName): [string, FieldSpec][] {
  return Object.entries(PROVIDER_FIELDS[provider]);
}

const TABLE = 'user_oauth_credentials';

/** The AAD of one stored value: a ciphertext copied to another row or column does not decrypt. */
export function credentialContext(
  column: SecretColumn,
  userId: string,
  provider: ProviderName,
): EncryptionContext {
  return fieldContext(TABLE, column, userId, provider);
}
