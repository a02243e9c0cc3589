export type { EncryptedColumn } from "./Catalog.ts"
export * as Catalog from "./Catalog.ts"
export * as Envelope from "./Envelope.ts"
export {
  type DecryptError,
  DecryptionFailed,
  FieldCrypto,
  MalformedEnvelope,
  UnknownEncryptionKey,
} from "./FieldCrypto.ts"
export {
  DevKeyFileFailed,
  EncryptionKeyInvalid,
  EncryptionKeyMissing,
  type KeyLoadError,
  type LoadedKeyring,
  type LoadOptions,
  loadKeyring,
} from "./KeyLoading.ts"
export * as Keyring from "./Keyring.ts"
