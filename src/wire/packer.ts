/**
 * Packs messages into datagrams of at most `mtuBytes` (memberlist's sendMsg/makeCompoundMessage in net.go:
 * fill each UDP packet with as many messages as fit). Sizes are exact, not estimated: an Envelope is its
 * header fields followed by one `key + varint length + body` per message, so no packet is encoded twice.
 */
import {
  assemblePacket,
  type EncodedMessage,
  encodeHeader,
  encodeMessage,
  framedSizeBytes,
} from './codec.js';
import { DEFAULT_WIRE_LIMITS } from './limits.js';
import type { PacketHeader, WireMessage } from './messages.js';

export interface OversizeMessage {
  /** Position in the input list. */
  readonly index: number;
  /** Size of the smallest packet that could carry it alone. */
  readonly packetBytes: number;
}

export interface PackResult {
  /** Datagrams in input order; each ≤ mtuBytes; together they hold every message not in `oversize`. */
  readonly datagrams: readonly Uint8Array[];
  /** Messages too big for any datagram, left out: send them over the reliable channel instead. */
  readonly oversize: readonly OversizeMessage[];
}

/** Greedy, order-preserving packing of already encoded messages. */
export function packEncoded(
  header: PacketHeader,
  messages: readonly EncodedMessage[],
  mtuBytes: number = DEFAULT_WIRE_LIMITS.mtuBytes,
): PackResult {
  const headerBytes = encodeHeader(header);
  const datagrams: Uint8Array[] = [];
  const oversize: OversizeMessage[] = [];
  let batch: EncodedMessage[] = [];
  let batchBytes = headerBytes.length;
  messages.forEach((m, index) => {
    const framed = framedSizeBytes(m.length);
    if (headerBytes.length + framed > mtuBytes) {
      oversize.push({ index, packetBytes: headerBytes.length + framed });
      return;
    }
    if (batchBytes + framed > mtuBytes) {
      datagrams.push(assemblePacket(headerBytes, batch));
      batch = [];
      batchBytes = headerBytes.length;
    }
    batch.push(m);
    batchBytes += framed;
  });
  if (batch.length > 0) datagrams.push(assemblePacket(headerBytes, batch));
  return { datagrams, oversize };
}

/** Encodes then packs; see packEncoded. */
export function packMessages(
  header: PacketHeader,
  messages: readonly WireMessage[],
  mtuBytes: number = DEFAULT_WIRE_LIMITS.mtuBytes,
): PackResult {
  return packEncoded(header, messages.map(encodeMessage), mtuBytes);
}
