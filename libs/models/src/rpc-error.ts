import { AppError, CommonErrorCode } from './app-error';
import type { RpcErrorBody } from './error-body';

/** What a failed RPC handler sends back: codes of AppErrors, a generic code otherwise. */
export function toRpcError(error: unknown): RpcErrorBody {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  return { code: CommonErrorCode.Internal, message: 'internal error' };
}

/** The error an RPC caller sees: the remote code and message, as an AppError. */
export class RemoteError extends AppError {
  static from(body: RpcErrorBody): RemoteError {
    return new RemoteError(body.code, body.message);
  }
}
