// The whole public surface, for Node and (as the ES module build) for browsers. It imports no
// runtime package: socket.io-client's `io` is passed in, so servers can use the protocol types
// without socket.io-client installed.
export * from './protocol';
export * from './discogs-url';
export { RequestExecutor, type FetchLike, type RequestExecutorOptions } from './request-executor';
export { newId, SyncApi, SyncApiError } from './sync-api';
export {
  SyncClient,
  type IoFactory,
  type SyncClientEvents,
  type SyncClientOptions,
} from './sync-client';
