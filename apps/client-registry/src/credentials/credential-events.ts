import type { ProviderName } from '@libs/provider-clients';

/** Event type of every credential change on `Streams.ClientRegistryCredentials`. */
export const CREDENTIALS_CHANGED = 'credentials.changed';

export type CredentialsChange = 'created' | 'updated' | 'deleted';

/** Payload of `credentials.changed`: which credentials changed, never what they are. */
export interface CredentialsChangedEvent {
  user_id: string;
  provider: ProviderName;
  change: CredentialsChange;
}
