import { Logger } from '@nestjs/common';
import { CryptoError } from './crypto.errors';
import type { EncryptionContext, KeyRing } from './key-ring';

/** One encrypted value in storage, as the re-encryption command sees it. */
export interface EncryptedField {
  /** Stable, sortable identity of the value (e.g. `<user_id>/<provider>/<column>`). */
  readonly ref: string;
  readonly context: EncryptionContext;
  readonly ciphertext: string;
}

/**
 * Access to the stored values for re-encryption (the registry implements it over its table,
 * e.g. `WHERE key_id <> $1 AND ref > $2 ORDER BY ref LIMIT $3`).
 */
export interface ReencryptionSource {
  /** Up to `limit` values not written under `currentKeyId`, ordered by `ref`, after `afterRef`. */
  scan(
    currentKeyId: string,
    afterRef: string | undefined,
    limit: number,
  ): Promise<readonly EncryptedField[]>;
  /** Stores `next` only while the value still equals `field.ciphertext`; false when it changed meanwhile. */
  replace(field: EncryptedField, next: string): Promise<boolean>;
}

export interface ReencryptionReport {
  readonly targetKeyId: string;
  scanned: number;
  reencrypted: number;
  /** Values rewritten by someone else during the pass (left as they are). */
  changedConcurrently: number;
  /** Values that could not be decrypted, by ref and error code; they are left untouched. */
  readonly failed: { ref: string; code: string }[];
}

const logger = new Logger('Reencryption');

/**
 * One pass moving every value to the ring's current key while the service keeps reading (all
 * keys stay readable) and writing (compare-and-set: a newer write is never overwritten).
 */
export async function reencryptAll(
  ring: KeyRing,
  source: ReencryptionSource,
  options: { batchSize?: number } = {},
): Promise<ReencryptionReport> {
  const report: ReencryptionReport = {
    targetKeyId: ring.currentKeyId,
    scanned: 0,
    reencrypted: 0,
    changedConcurrently: 0,
    failed: [],
  };
  let after: string | undefined;
  for (;;) {
    const batch = await source.scan(report.targetKeyId, after, options.batchSize ?? 100);
    if (batch.length === 0) break;
    for (const field of batch) await reencryptOne(ring, source, field, report);
    after = batch[batch.length - 1].ref;
  }
  logger.log(
    `re-encryption to ${report.targetKeyId}: ${report.reencrypted} of ${report.scanned} moved, ` +
      `${report.changedConcurrently} changed meanwhile, ${report.failed.length} unreadable`,
  );
  return report;
}

async function reencryptOne(
  ring: KeyRing,
  source: ReencryptionSource,
  field: EncryptedField,
  report: ReencryptionReport,
): Promise<void> {
  report.scanned++;
  let next: string | undefined;
  try {
    next = await ring.reencrypt(field.ciphertext, field.context);
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    report.failed.push({ ref: field.ref, code: error.code });
    return;
  }
  if (next === undefined) return;
  if (await source.replace(field, next)) report.reencrypted++;
  else report.changedConcurrently++;
}
