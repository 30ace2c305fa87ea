import type { DevCredentials } from '@libs/config';
import { BricklinkClient } from './bricklink.client';
import { BrickOwlClient } from './brickowl.client';
import { DiscogsClient } from './discogs.client';
import {
  OAuth2TokenSource,
  type OAuth2Tokens,
  type OAuth2TokenSourceOptions,
} from './oauth2-token-source';
import {
  DEFAULT_TOKEN_URLS,
  type CredentialsOf,
  type OAuth2Provider,
  type ProviderCredentials,
  type ProviderName,
} from './provider.types';

/** The client each provider gets. */
export interface ProviderClientMap {
  bricklink: BricklinkClient;
  brickowl: BrickOwlClient;
  discogs: DiscogsClient;
  gmail: OAuth2TokenSource;
  outlook: OAuth2TokenSource;
}

export type ProviderClient = ProviderClientMap[ProviderName];

/** Stores refreshed OAuth 2.0 tokens back (the registry's `credentials.put`). */
export type TokensSaver = (
  userId: string,
  provider: OAuth2Provider,
  tokens: OAuth2Tokens,
) => Promise<void>;

/** How clients are built: endpoints, HTTP client and retry settings. */
export interface ProviderClientFactoryOptions {
  onTokens?: TokensSaver;
  /** API roots (bricklink, brickowl, discogs) and token URLs (gmail, outlook); tests use fakes. */
  endpoints?: Partial<Record<ProviderName, string>>;
  discogsUserAgent?: string;
  oauth2Retry?: OAuth2TokenSourceOptions['retry'];
  fetch?: typeof fetch;
}

/** Builds the client of one user at one provider from their credentials. */
export function buildProviderClient(
  userId: string,
  credentials: ProviderCredentials,
  options: ProviderClientFactoryOptions,
): ProviderClient {
  const { endpoints = {}, fetch } = options;
  switch (credentials.provider) {
    case 'bricklink':
      return new BricklinkClient(credentials, { baseUrl: endpoints.bricklink, fetch });
    case 'brickowl':
      return new BrickOwlClient(credentials, { baseUrl: endpoints.brickowl, fetch });
    case 'discogs':
      return new DiscogsClient(credentials, {
        baseUrl: endpoints.discogs,
        userAgent: options.discogsUserAgent,
        fetch,
      });
    case 'gmail':
    case 'outlook': {
      const { provider, tokenUrl, ...rest } = credentials;
      const { onTokens } = options;
      return new OAuth2TokenSource({
        ...rest,
        provider,
        tokenUrl: tokenUrl ?? endpoints[provider] ?? DEFAULT_TOKEN_URLS[provider],
        label: `user ${userId}`,
        retry: options.oauth2Retry,
        fetch,
        onTokens: onTokens && ((tokens) => onTokens(userId, provider, tokens)),
      });
    }
  }
}

/** The development fallback credentials of `provider`, shaped as provider credentials. */
export function devFallback<P extends ProviderName>(
  dev: DevCredentials | undefined,
  provider: P,
): CredentialsOf<P> | undefined {
  // DevCredentials answers nothing outside development; checked again here on purpose.
  if (!dev || dev.nodeEnv !== 'development') return undefined;
  const fields = dev.get(provider);
  return fields && ({ ...fields, provider } as unknown as CredentialsOf<P>);
}
