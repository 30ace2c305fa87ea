export {
  freePort,
  REPO_ROOT,
  spawnApp,
  spawnNode,
  spawnReadyApp,
  statusOf,
  waitFor,
  type RunningProcess,
} from './processes';
export { PrivateRedis } from './redis-server';
export { PrivatePostgres } from './postgres-server';
export {
  assertTestDatabase,
  testDatabaseUrl,
  testEnv,
  testRedisUrl,
  TEST_ADMIN_TOKEN,
  TEST_KEK,
  uniquePrefix,
} from './test-env';
export {
  formFields,
  startFakeHttp,
  type FakeHandler,
  type FakeHttpServer,
  type FakeListenOptions,
  type FakeRequest,
  type FakeResponse,
} from './fake-http';
export {
  FakeTokenEndpoint,
  type FakeTokenEndpointOptions,
  type ReceivedTokenRequest,
  type TokenEndpointFailure,
} from './fake-token-endpoint';
export { adminEvent, sha256Of } from './client-factory';
export { registerTestClient, type RegisteredTestClient } from './registered-client';
export {
  FakeDiscogs,
  type FakeDiscogsFailure,
  type FakeDiscogsHit,
  type FakeDiscogsOptions,
  type FakeDiscogsUser,
} from './fake-discogs';
export { fakeItemIds } from './fake-discogs-data';
export { FakeDiscogsTokenStore } from './fake-discogs-token-store';
export { TcpProxy } from './tcp-proxy';
export { TestJwtIssuer, type TestTokenOptions } from './test-jwt-issuer';
export { FakeBricklinkApi, type BricklinkTestCredentials } from './fake-bricklink';
export {
  baseStringUri,
  hmacSha1Signature,
  parseOAuthHeader,
  rfc5849Encode,
  signatureBaseString,
} from './oauth1-reference';
export {
  FakeXoauth2TokenEndpoint,
  xoauth2TestAccount,
  type TokenEndpointMode,
  type Xoauth2TestAccount,
} from './fake-xoauth2-tokens';
export {
  FakeXoauth2Upstream,
  type FakeXoauth2UpstreamOptions,
  type ReceivedMail,
  type RecipientRejection,
} from './fake-xoauth2-upstream';
export { bootApp } from './boot-app';
export {
  accountsFileJson,
  mailTestAccount,
  writeAccountsFile,
  type MailTestAccount,
} from './mail-accounts-file';
export {
  mailProviderEnv,
  smtpReplyOf,
  startFakeMailProviders,
  type FakeMailProviderPorts,
  type FakeMailProviders,
  type FakeMailProvidersOptions,
} from './fake-mail-providers';
export {
  sendAsApp,
  spawnMailRelay,
  type MailRelayProcess,
  type TestMailOptions,
} from './mail-relay-process';
