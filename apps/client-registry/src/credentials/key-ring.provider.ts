import type { Provider } from '@nestjs/common';
import { KekConfig } from '@libs/config';
import { KekSet, KeyRing } from '@libs/crypto';
import { failureReason } from './credentials.errors';
import { DataKeyRepository } from './data-key.repository';

/** How often every key ring re-reads `client_registry.data_keys` (keys rotated elsewhere). */
export const KEY_RING_REFRESH_MS = 60_000;

/** Opens the credential key ring at boot: the app refuses to start when its KEK cannot unwrap a stored key. */
export async function openKeyRing(kek: KekConfig, store: DataKeyRepository): Promise<KeyRing> {
  try {
    return await KeyRing.open(KekSet.fromConfig(kek), store, { refreshMs: KEY_RING_REFRESH_MS });
  } catch (error) {
    throw new Error(`cannot open the credential key ring: ${failureReason(error)}`, {
      cause: error,
    });
  }
}

export const keyRingProvider: Provider = {
  provide: KeyRing,
  inject: [KekConfig, DataKeyRepository],
  useFactory: openKeyRing,
};
