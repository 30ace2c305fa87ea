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
export { SnakeNamingStrategy } from './snake-naming.strategy';
export { TimestampedEntity } from './timestamped.entity';
