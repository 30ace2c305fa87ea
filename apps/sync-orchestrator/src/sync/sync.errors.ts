import { AppError } from '@libs/models';

export enum SyncErrorCode {
  NotFound = 'sync_not_found',
  AlreadyRunning = 'sync_already_running',
  NotRunning = 'sync_not_running',
}

const STATUS: Record<SyncErrorCode, number> = {
  [SyncErrorCode.NotFound]: 404,
  [SyncErrorCode.AlreadyRunning]: 409,
  [SyncErrorCode.NotRunning]: 409,
};

/** Errors of the sync REST API. */
export class SyncError extends AppError<SyncErrorCode> {
  override get httpStatus(): number {
    return STATUS[this.code];
  }
}
