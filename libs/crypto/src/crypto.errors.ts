import { AppError } from '@libs/models';

export enum CryptoErrorCode {
  /** Authentication failed: wrong key, wrong context (another row) or tampered bytes. */
  DecryptFailed = 'decrypt_failed',
  /** The ciphertext names a data key this key ring does not hold. */
  UnknownKey = 'unknown_data_key',
  /** The text is not a ciphertext or wrapped key of a known format. */
  Malformed = 'malformed_ciphertext',
  /** A data key is wrapped by a KEK that is not configured. */
  KekNotFound = 'kek_not_found',
  /** A key of the wrong size, or a key operation that is not allowed. */
  InvalidKey = 'invalid_key',
}

/** A failure of encryption at rest; messages name key ids, never key material or plaintext. */
export class CryptoError extends AppError<CryptoErrorCode> {}
