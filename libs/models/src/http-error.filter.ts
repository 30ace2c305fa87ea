import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { currentCorrelationId } from '@libs/observability';
import { AppError, CommonErrorCode } from './app-error';
import type { ErrorBody } from './error-body';

interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
  send(body: unknown): unknown;
}

const CODE_BY_STATUS: Record<number, CommonErrorCode> = {
  400: CommonErrorCode.ValidationFailed,
  401: CommonErrorCode.Unauthorized,
  404: CommonErrorCode.NotFound,
  503: CommonErrorCode.Unavailable,
};

/**
 * Maps every error of an HTTP request to `{ error: { code, message, correlationId, details? } }`.
 * Unknown errors become a bare 500: their messages may hold internals.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<Reply>();
    const { status, body } = this.toBody(exception);
    if (!(exception instanceof AppError || exception instanceof HttpException)) {
      this.logger.error({ err: exception }, 'unhandled error');
    } else if (exception instanceof AppError && status >= 500) {
      // The cause (a driver error, say) is what an operator needs; its message, not its data.
      const cause = exception.cause instanceof Error ? exception.cause.message : undefined;
      this.logger.warn({ code: body.error.code, status, cause }, body.error.message);
    }
    reply.status(status).header('Cache-Control', 'no-store').send(body);
  }

  toBody(exception: unknown): { status: number; body: ErrorBody } {
    const correlationId = currentCorrelationId();
    if (exception instanceof AppError) {
      const { code, message, details } = exception;
      return {
        status: exception.httpStatus,
        body: { error: { code, message, correlationId, details } },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const messages =
        typeof response === 'object' ? (response as { message?: unknown }).message : response;
      // Validation pipes answer a list of messages; other exceptions (terminus) an object.
      const details = Array.isArray(messages)
        ? messages
        : messages === undefined
          ? [response]
          : undefined;
      const message = Array.isArray(messages)
        ? 'request validation failed'
        : typeof messages === 'string'
          ? messages
          : exception.message;
      const code = CODE_BY_STATUS[status] ?? `http_${status}`;
      return { status, body: { error: { code, message, correlationId, details } } };
    }
    return {
      status: 500,
      body: { error: { code: CommonErrorCode.Internal, message: 'internal error', correlationId } },
    };
  }
}
