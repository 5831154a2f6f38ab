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
export { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits.js';
export * from './messages.js';
export { type OversizeMessage, type PackResult, packEncoded, packMessages } from './packer.js';
