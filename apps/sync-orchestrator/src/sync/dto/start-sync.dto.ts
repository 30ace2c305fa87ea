import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { SYNC_TYPES, type StartSyncRequest, type SyncType } from '@libs/sync-client';

/** Body of `POST /api/discogs/syncCollection`. */
export class StartSyncDto implements StartSyncRequest {
  /** What to copy (default the collection). */
  @IsOptional()
  @IsIn(SYNC_TYPES)
  syncType?: SyncType;

  /** Fetch every page and remove items no longer on Discogs (default false). */
  @IsOptional()
  @IsBoolean()
  fullSync?: boolean;

  /** Fetch at most this many pages of 100 (newest first); no pruning then. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  pageLimit?: number;
}
