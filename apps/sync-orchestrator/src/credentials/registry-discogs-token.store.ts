import { Injectable } from '@nestjs/common';
import { RpcClient } from '@libs/messaging';
import { CommonError, CommonErrorCode, RemoteError } from '@libs/models';
import { DiscogsTokenStore } from './discogs-token.store';

const REGISTRY = 'client-registry';
const RPC_TIMEOUT_MS = 3_000;
/** The registry's "no credentials for this user and provider". */
const NOT_FOUND = 65006;

interface StoredDiscogsCredentials {
  credentials: { provider: 'discogs'; token: string };
}

/**
 * Users' Discogs tokens in the client-registry (encrypted there as the user's `discogs`
 * credential), over its internal RPC. A registry that cannot answer makes the caller's request
 * fail with 503: the token is never kept anywhere else in the meantime.
 */
@Injectable()
export class RegistryDiscogsTokenStore extends DiscogsTokenStore {
  constructor(private readonly rpc: RpcClient) {
    super();
  }

  async put(userId: string, token: string): Promise<void> {
    await this.call('credentials.put', {
      user_id: userId,
      provider: 'discogs',
      credentials: { token },
    });
  }

  async get(userId: string): Promise<string | undefined> {
    const stored = await this.call<StoredDiscogsCredentials | undefined>(
      'credentials.get',
      { user_id: userId, provider: 'discogs' },
      { absentAsUndefined: true },
    );
    return stored?.credentials.token;
  }

  private async call<T>(
    method: string,
    payload: object,
    { absentAsUndefined = false } = {},
  ): Promise<T> {
    try {
      return await this.rpc.request<T>(REGISTRY, method, payload, { timeoutMs: RPC_TIMEOUT_MS });
    } catch (error) {
      if (absentAsUndefined && error instanceof RemoteError && error.code === NOT_FOUND) {
        return undefined as T;
      }
      throw new CommonError(CommonErrorCode.Unavailable, 'the credential store is not available', {
        cause: error,
      });
    }
  }
}
