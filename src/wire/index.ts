/** The wire layer's public surface (DESIGN.md §4). */
export {
  assemblePacket,
  type DecodeExpectation,
  type DecodeResult,
  decodePacket,
  type EncodedMessage,
  encodeHeader,
  encodeMessage,
  encodePacket,
  framedSizeBytes,
  varintSizeBytes,
} from './codec.js';
export { DECODE_ERROR_KINDS, type DecodeError, type DecodeErrorKind, DecodeStats } from './decode-error.js';
export {
  decodeKey,
  KEY_BYTES,
  Keyring,
  type KeyringError,
  type KeyringResult,
} from './keyring.js';
export { labelOverheadBytes } from './label.js';
export { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits.js';
export * from './messages.js';
export { type OversizeMessage, type PackResult, packEncoded, packMessages } from './packer.js';
export { encodePushNodeState, encodePushPullMessage } from './push-pull-codec.js';
export {
  type OpenOptions,
  type OpenResult,
  openPacket,
  type SealErrorKind,
  type SealOptions,
  SealStats,
  sealOverheadBytes,
  sealPacket,
} from './seal.js';
