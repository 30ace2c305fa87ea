import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { toPublicClient, type PublicClient } from '@libs/models';
import { AdminTokenGuard } from '@libs/platform';
import { ClientsService } from './clients.service';
import { ClientIdParams } from './dto/client-id.dto';
import { CreateClientDto } from './dto/create-client.dto';
import { ListClientsDto } from './dto/list-clients.dto';
import { RotateSecretDto } from './dto/rotate-secret.dto';

interface WithSecret {
  client: PublicClient;
  /** Shown once: only its hash is stored. */
  client_secret: string;
}

/** Operator REST API over the registry (bearer ADMIN_TOKEN). Secret hashes never leave it. */
@ApiTags('clients')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/clients')
export class AdminClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Get()
  @ApiOperation({ summary: 'List clients, optionally by status, in pages ordered by client_id' })
  async list(
    @Query() query: ListClientsDto,
  ): Promise<{ items: PublicClient[]; next_cursor: string | null }> {
    const items = await this.clients.list({
      status: query.status,
      limit: query.limit,
      after: query.cursor,
    });
    const last = items.length === query.limit ? items[items.length - 1].client_id : null;
    return { items: items.map(toPublicClient), next_cursor: last };
  }

  @Get(':clientId')
  @ApiOperation({ summary: 'One client' })
  async get(@Param() { clientId }: ClientIdParams): Promise<PublicClient> {
    return toPublicClient(await this.clients.get(clientId));
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a client; the generated client_secret is returned only here' })
  async create(@Body() body: CreateClientDto): Promise<WithSecret> {
    const { record, secret } = await this.clients.create(body);
    return { client: toPublicClient(record), client_secret: secret };
  }

  @Post(':clientId/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'New secret (returned once); the old one stays valid for grace_seconds',
  })
  async rotate(
    @Param() { clientId }: ClientIdParams,
    @Body() body: RotateSecretDto,
  ): Promise<WithSecret> {
    const { record, secret } = await this.clients.rotateSecret(clientId, body.grace_seconds);
    return { client: toPublicClient(record), client_secret: secret };
  }

  @Post(':clientId/suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Suspend: token requests are refused until activated' })
  async suspend(@Param() { clientId }: ClientIdParams): Promise<PublicClient> {
    return toPublicClient(await this.clients.setStatus(clientId, 'SUSPENDED'));
  }

  @Post(':clientId/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reactivate a suspended client' })
  async activate(@Param() { clientId }: ClientIdParams): Promise<PublicClient> {
    return toPublicClient(await this.clients.setStatus(clientId, 'ACTIVE'));
  }

  @Post(':clientId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke for good; every token issued before now becomes inactive' })
  async revoke(@Param() { clientId }: ClientIdParams): Promise<PublicClient> {
    return toPublicClient(await this.clients.setStatus(clientId, 'REVOKED'));
  }
}
