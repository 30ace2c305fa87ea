import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseCredentialKey, parsePutCredentials } from './credential-requests';
import {
  CredentialsService,
  type DeleteCredentialsResult,
  type PutCredentialsResult,
  type StoredCredentials,
} from './credentials.service';

/**
 * Internal RPC over `stream:rpc:client-registry`. `credentials.get` answers decrypted secrets:
 * only Portico services reach this stream, and no HTTP route exposes it.
 */
@Controller()
export class CredentialsConsumer {
  constructor(private readonly credentials: CredentialsService) {}

  @MessagePattern('credentials.get')
  get(@Payload() payload: unknown): Promise<StoredCredentials> {
    return this.credentials.get(parseCredentialKey(payload));
  }

  @MessagePattern('credentials.put')
  put(@Payload() payload: unknown): Promise<PutCredentialsResult> {
    return this.credentials.put(parsePutCredentials(payload));
  }

  @MessagePattern('credentials.delete')
  delete(@Payload() payload: unknown): Promise<DeleteCredentialsResult> {
    return this.credentials.delete(parseCredentialKey(payload));
  }
}
