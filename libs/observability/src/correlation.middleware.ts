import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_HEADER, requestCorrelationId, runWithCorrelationId } from './correlation';

/** Puts the request's correlation id in scope for everything the request causes, and echoes it. */
@Injectable()
export class CorrelationMiddleware implements NestMiddleware {
  use(req: IncomingMessage & { id?: unknown }, res: ServerResponse, next: () => void): void {
    const id = requestCorrelationId(
      req as IncomingMessage & { id?: unknown; headers: Record<string, unknown> },
    );
    res.setHeader(CORRELATION_HEADER, id);
    runWithCorrelationId(id, next);
  }
}
