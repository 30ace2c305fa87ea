import { Injectable } from '@nestjs/common';
import { CommonError, CommonErrorCode } from '@libs/models';

/**
 * Where users' Discogs tokens are kept: in production the client-registry's `credentials.put`
 * / `credentials.get` RPC, stored encrypted as the user's `discogs` credential.
 */
export abstract class DiscogsTokenStore {
  /** Stores (or replaces) the user's token. */
  abstract put(userId: string, token: string): Promise<void>;
  /** The user's token, if one is stored. */
  abstract get(userId: string): Promise<string | undefined>;
}

/**
 * Bound until the registry's credentials RPC is wired in: refuses with 503 rather than keep
 * tokens anywhere they do not belong.
 */
@Injectable()
export class UnwiredDiscogsTokenStore extends DiscogsTokenStore {
  put(): Promise<void> {
    return Promise.reject(unavailable());
  }

  get(): Promise<string | undefined> {
    return Promise.reject(unavailable());
  }
}

const unavailable = () =>
  new CommonError(CommonErrorCode.Unavailable, 'the credential store is not available');
