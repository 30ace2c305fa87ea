export {
  OAuth2RefreshError,
  ProviderClientError,
  ProviderClientErrorCode,
} from './provider-client.errors';
export {
  DEFAULT_TOKEN_URLS,
  PROVIDERS,
  type BricklinkCredentials,
  type BrickOwlCredentials,
  type CredentialsOf,
  type DiscogsCredentials,
  type OAuth2Credentials,
  type OAuth2Provider,
  type ProviderCredentials,
  type ProviderName,
} from './provider.types';
export {
  OAuth2TokenSource,
  type OAuth2Tokens,
  type OAuth2TokenSourceOptions,
  type OAuth2TokenSourceStats,
} from './oauth2-token-source';
export { BRICKLINK_API, BricklinkClient, type BricklinkClientOptions } from './bricklink.client';
export { BRICKOWL_API, BrickOwlClient } from './brickowl.client';
export { DISCOGS_API, DiscogsClient, type DiscogsClientOptions } from './discogs.client';
export {
  encodeParams,
  type ProviderHttpOptions,
  type ProviderResponse,
  type RequestParams,
} from './provider-http';
export {
  buildProviderClient,
  type ProviderClient,
  type ProviderClientFactoryOptions,
  type ProviderClientMap,
  type TokensSaver,
} from './provider-client.factory';
export {
  ProviderClientManager,
  type CredentialsLoader,
  type ProviderClientManagerOptions,
  type ProviderClientStats,
} from './provider-client.manager';
