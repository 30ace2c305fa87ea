/** Third-party providers whose per-user credentials Portico holds. */
export const PROVIDERS = ['bricklink', 'brickowl', 'discogs', 'gmail', 'outlook'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** Mail providers reached with OAuth 2.0 (XOAUTH2). */
export type OAuth2Provider = 'gmail' | 'outlook';

/** Bricklink store API: OAuth 1.0a with a consumer and an access token pair. */
export interface BricklinkCredentials {
  readonly provider: 'bricklink';
  readonly consumerKey: string;
  readonly consumerSecret: string;
  readonly tokenValue: string;
  readonly tokenSecret: string;
}

/** BrickOwl API: one key sent as the `key` parameter. */
export interface BrickOwlCredentials {
  readonly provider: 'brickowl';
  readonly apiKey: string;
}

/** Discogs API: a personal access token. */
export interface DiscogsCredentials {
  readonly provider: 'discogs';
  readonly token: string;
}

/** Gmail / Outlook: an OAuth 2.0 client and the user's refresh token. */
export interface OAuth2Credentials {
  readonly provider: OAuth2Provider;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  readonly accessToken?: string;
  readonly expiresAt?: Date;
  /** Overrides the provider's default token endpoint. */
  readonly tokenUrl?: string;
}

/** Decrypted credentials of one user at one provider. */
export type ProviderCredentials =
  BricklinkCredentials | BrickOwlCredentials | DiscogsCredentials | OAuth2Credentials;

/** The credentials type of one provider. */
export type CredentialsOf<P extends ProviderName> = Extract<ProviderCredentials, { provider: P }>;

/** Token endpoints used when credentials name none. */
export const DEFAULT_TOKEN_URLS: Readonly<Record<OAuth2Provider, string>> = {
  gmail: 'https://oauth2.googleapis.com/token',
  outlook: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
};
