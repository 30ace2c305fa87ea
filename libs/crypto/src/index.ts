export { IV_BYTES, KEY_BYTES, TAG_BYTES } from './aead';
export { CryptoError, CryptoErrorCode } from './crypto.errors';
export { MemoryDataKeyStore, type DataKeyStore, type StoredDataKey } from './data-key.store';
export { VALUE_FORMAT, WRAPPED_KEY_FORMAT } from './envelope';
export { Kek, KekSet } from './kek';
export { fieldContext, KeyRing, type EncryptionContext, type KeyRingOptions } from './key-ring';
export {
  reencryptAll,
  type EncryptedField,
  type ReencryptionReport,
  type ReencryptionSource,
} from './reencryption';
