import { Injectable } from '@nestjs/common';
import type { PutDiscogsTokenResponse } from '@libs/sync-client';
import { DiscogsTokenStore } from './discogs-token.store';

/** Discogs personal access tokens are 40 letters and digits. */
const DISCOGS_TOKEN = /^[A-Za-z0-9]{40}$/;

/** Keeps a user's Discogs token in the credential store; never logs it. */
@Injectable()
export class DiscogsTokenService {
  constructor(private readonly store: DiscogsTokenStore) {}

  async put(userId: string, token: string): Promise<PutDiscogsTokenResponse> {
    await this.store.put(userId, token);
    return { stored: true, looksValid: DISCOGS_TOKEN.test(token) };
  }
}
