export {
  AppError,
  CommonError,
  CommonErrorCode,
  type AppErrorOptions,
  type ErrorCode,
} from './app-error';
export type { ErrorBody, RpcErrorBody } from './error-body';
export { HttpErrorFilter } from './http-error.filter';
export { RemoteError, toRpcError } from './rpc-error';
export {
  CLIENT_STATUSES,
  toPublicClient,
  type ClientChangedEvent,
  type ClientRecord,
  type ClientStatus,
  type PublicClient,
} from './client-record';
export {
  CLIENT_SECRET_BYTES,
  generateClientSecret,
  isSecretHash,
  matchesSha256Hash,
  sha256SecretHash,
} from './client-secret';
export {
  compileAllowlist,
  InvalidCidrError,
  normalizeCidr,
  unmapIPv4,
  type IpMatcher,
} from './ip-allowlist';
export {
  ADMIN_CLIENT_EVENT_TYPES,
  type AdminClientEvent,
  type AdminClientEventType,
  type ApplyEventsResult,
  type ClientEventPayload,
} from './admin-client-event';
export { IsCidrList } from './cidr.validator';
export {
  ADMIN_CLIENT_EVENT_PAYLOADS,
  AdminClientEventEnvelope,
  ClientApiKeyRotatedPayload,
  ClientCreatedPayload,
  ClientRevokedPayload,
  ClientSuspendedPayload,
  ClientUpdatedPayload,
  IsSecretHash,
  IsSmallJsonObject,
  looksLikeSecretField,
  MAX_METADATA_BYTES,
  unsafeContent,
} from './admin-client-event.payload';
