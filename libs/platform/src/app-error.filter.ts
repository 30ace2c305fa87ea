import { Catch, type ArgumentsHost } from '@nestjs/common';
import { HttpErrorFilter } from '@libs/models';

/**
 * The app-wide filter: HTTP errors get Portico's error body; errors of message handlers (the
 * app's transports inherit its filters) are rethrown untouched, because the transport itself
 * decides what they mean: retry, dead-letter, or an RPC `{ code, message }` reply. Nest's own
 * RPC filter would replace them with `{ status, message }` and lose their class and code.
 */
@Catch()
export class AppErrorFilter extends HttpErrorFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'rpc') throw exception;
    super.catch(exception, host);
  }
}
