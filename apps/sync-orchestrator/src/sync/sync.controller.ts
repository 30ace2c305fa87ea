import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  UseGuards,
} from '@nestjs/common';
import type { StartSyncResponse, SyncStatusResponse } from '@libs/sync-client';
import { BearerAuthGuard, CurrentUser } from '../auth/bearer-auth.guard';
import { StartSyncDto } from './dto/start-sync.dto';
import { SyncError, SyncErrorCode } from './sync.errors';
import { SyncService } from './sync.service';

/** A malformed session id reads like an unknown one. */
const SessionId = new ParseUUIDPipe({
  exceptionFactory: () => new SyncError(SyncErrorCode.NotFound, 'sync not found'),
});

@Controller('api/discogs')
@UseGuards(BearerAuthGuard)
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Post('syncCollection')
  @HttpCode(202)
  start(@CurrentUser() userId: string, @Body() body: StartSyncDto): Promise<StartSyncResponse> {
    return this.sync.start(userId, body);
  }

  @Get('syncStatus/:sessionId')
  status(
    @CurrentUser() userId: string,
    @Param('sessionId', SessionId) sessionId: string,
  ): Promise<SyncStatusResponse> {
    return this.sync.status(userId, sessionId);
  }

  @Post('syncs/:sessionId/cancel')
  @HttpCode(200)
  cancel(
    @CurrentUser() userId: string,
    @Param('sessionId', SessionId) sessionId: string,
  ): Promise<SyncStatusResponse> {
    return this.sync.cancel(userId, sessionId);
  }
}
