import { Body, Controller, HttpCode, Put, UseGuards } from '@nestjs/common';
import type { PutDiscogsTokenResponse } from '@libs/sync-client';
import { BearerAuthGuard, CurrentUser } from '../auth/bearer-auth.guard';
import { DiscogsTokenService } from './discogs-token.service';
import { PutDiscogsTokenDto } from './dto/put-discogs-token.dto';

@Controller('api/users')
@UseGuards(BearerAuthGuard)
export class DiscogsTokenController {
  constructor(private readonly tokens: DiscogsTokenService) {}

  @Put('discogs-token')
  @HttpCode(200)
  put(
    @CurrentUser() userId: string,
    @Body() body: PutDiscogsTokenDto,
  ): Promise<PutDiscogsTokenResponse> {
    return this.tokens.put(userId, body.token);
  }
}
