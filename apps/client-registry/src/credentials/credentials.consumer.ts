import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  parseCredentialKey,
  parseListCredentials,
  parsePutCredentials,
  parseSetRelayLogin,
} from './credential-requests';
import {
  CredentialsService,
  type DeleteCredentialsResult,
  type ListCredentialsResult,
  type PutCredentialsResult,
  type SetRelayLoginResult,
  type StoredCredentials,
} from './credentials.service';

/**
 * Internal RPC over `stream:rpc:client-registry`. `credentials.get` and `credentials.list` answer
 * decrypted secrets: only Portico services reach this stream, and no HTTP route exposes it.
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

  @MessagePattern('credentials.list')
  list(@Payload() payload: unknown): Promise<ListCredentialsResult> {
    return this.credentials.list(parseListCredentials(payload));
  }

  @MessagePattern('credentials.setRelayLogin')
  setRelayLogin(@Payload() payload: unknown): Promise<SetRelayLoginResult> {
    return this.credentials.setRelayLogin(parseSetRelayLogin(payload));
  }

  @MessagePattern('credentials.delete')
  delete(@Payload() payload: unknown): Promise<DeleteCredentialsResult> {
    return this.credentials.delete(parseCredentialKey(payload));
  }
}
