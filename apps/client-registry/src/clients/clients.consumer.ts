import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ApplyEventsResult, ClientRecord } from '@libs/models';
import { ClientsService } from './clients.service';
import { parseApplyEvents, parseClientId, parseListRequest } from './rpc-requests';

/**
 * Internal RPC over `stream:rpc:client-registry` (callers are other Portico services; records
 * include secret hashes, which never leave the internal network).
 */
@Controller()
export class ClientsConsumer {
  constructor(private readonly clients: ClientsService) {}

  @MessagePattern('clients.get')
  get(@Payload() payload: unknown): Promise<ClientRecord> {
    return this.clients.get(parseClientId(payload));
  }

  @MessagePattern('clients.list')
  list(@Payload() payload: unknown): Promise<ClientRecord[]> {
    return this.clients.list(parseListRequest(payload));
  }

  @MessagePattern('clients.applyEvents')
  applyEvents(@Payload() payload: unknown): Promise<ApplyEventsResult> {
    return this.clients.applyEvents(parseApplyEvents(payload));
  }
}
