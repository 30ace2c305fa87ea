import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '@libs/platform';
import { ClientLookup } from '../clients/client-lookup';
import { TokenFlusher } from '../records/token-flusher';

/** Operator view of the client cache and the token-record backlog (bearer ADMIN_TOKEN). */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/cache')
export class CacheStatsController {
  constructor(
    private readonly clients: ClientLookup,
    private readonly flusher: TokenFlusher,
  ) {}

  @Get('stats')
  async stats(): Promise<Record<string, unknown>> {
    const stats = this.clients.cache.stats();
    return {
      clients: {
        ...stats,
        invalidation_feed_healthy: this.clients.feedHealthy,
        bypassed: this.clients.cache.isBypassed,
      },
      pending_token_records: await this.flusher.pending(),
    };
  }
}
