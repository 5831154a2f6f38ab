/**
 * Encoding and decoding of hearsay packets (DESIGN.md §4). A packet is one protobuf `Envelope`; a compound
 * packet is simply an Envelope with several `messages` (memberlist's compoundMsg, net.go, without its own
 * framing). Encoding uses the pbjs static code generated from hearsay.proto (docs/wire.md has the
 * benchmark behind that choice); decoding never throws: every failure is a typed DecodeError, counted.
 */
import protobuf from 'protobufjs/minimal.js';
import { type DecodeError, type DecodeErrorKind, DecodeStats } from './decode-error.js';
import { hearsay } from './gen/hearsay.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits.js';
import { type Envelope, type PacketHeader, PROTOCOL_VERSION, type WireMessage } from './messages.js';
import { fromProto, InvalidMessage, isSaneName, toProto } from './proto-convert.js';

/** The bytes of one encoded `hearsay.Message`, ready to be framed into an Envelope by the packer. */
export type EncodedMessage = Uint8Array & { readonly __brand: 'hearsay.Message' };

/** Protobuf key of Envelope.messages: field 4, wire type 2 (length-delimited) → (4 << 3) | 2. */
const MESSAGES_KEY = 0x22;

export function encodeMessage(msg: WireMessage): EncodedMessage {
  return hearsay.Message.encode(toProto(msg)).finish() as EncodedMessage;
}

/** The Envelope's fields other than `messages`; a packet is these bytes followed by framed messages. */
export function encodeHeader(header: PacketHeader): Uint8Array {
  return hearsay.Envelope.encode({
    version: header.version ?? PROTOCOL_VERSION,
    cluster: header.cluster,
    sender: header.sender,
  }).finish();
}

/** Bytes a varint takes (protobuf encoding: 7 bits per byte). */
export function varintSizeBytes(n: number): number {
  let size = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Writes `n` as a protobuf varint into `out` at `at`; returns the index after it. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
  let pos = at;
  let v = n;
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[pos++] = v;
  return pos;
}

/** Bytes an encoded message of `sizeBytes` adds to an envelope: key + length varint + body. */
export function framedSizeBytes(sizeBytes: number): number {
  return 1 + varintSizeBytes(sizeBytes) + sizeBytes;
}

/** Header bytes followed by each message as a `messages` field: exactly the protobuf Envelope encoding. */
export function assemblePacket(headerBytes: Uint8Array, messages: readonly EncodedMessage[]): Uint8Array {
  let size = headerBytes.length;
  for (const m of messages) size += framedSizeBytes(m.length);
  const out = new Uint8Array(size);
  out.set(headerBytes, 0);
  let pos = headerBytes.length;
  for (const m of messages) {
    out[pos++] = MESSAGES_KEY;
    pos = writeVarint(out, pos, m.length);
    out.set(m, pos);
    pos += m.length;
  }
  return out;
}

/** One packet holding all `messages`, whatever its size (for the reliable channel, or when already sized). */
export function encodePacket(header: PacketHeader, messages: readonly WireMessage[]): Uint8Array {
  return assemblePacket(encodeHeader(header), messages.map(encodeMessage));
}

export interface DecodeExpectation {
  /** Packets from any other cluster are dropped (`wrong-cluster`). */
  readonly cluster: string;
  /** Largest input accepted; default limits.maxPacketBytes (64 KiB). Raise it for reliable-channel frames. */
  readonly maxBytes?: number;
  readonly limits?: WireLimits;
  /** Where outcomes are counted; omit to count nowhere. */
  readonly stats?: DecodeStats;
}

export type DecodeResult =
  | {
      readonly ok: true;
      readonly envelope: Envelope;
      /** Messages of kinds this version does not know, skipped (a newer peer's additions). */
      readonly unknownMessages: number;
    }
  | { readonly ok: false; readonly error: DecodeError };

/** Decodes and validates one packet. Never throws; every failure is returned and counted in `expect.stats`. */
export function decodePacket(bytes: Uint8Array, expect: DecodeExpectation): DecodeResult {
  const result = decodeUncounted(bytes, expect);
  const stats = expect.stats;
  if (stats !== undefined) {
    if (result.ok) stats.recordOk(result.envelope.messages.length, result.unknownMessages);
    else stats.recordError(result.error.kind);
  }
  return result;
}

function fail(kind: DecodeErrorKind, detail: string): DecodeResult {
  return { ok: false, error: { kind, detail } };
}

function decodeUncounted(bytes: Uint8Array, expect: DecodeExpectation): DecodeResult {
  const limits = expect.limits ?? DEFAULT_WIRE_LIMITS;
  const maxBytes = expect.maxBytes ?? limits.maxPacketBytes;
  if (bytes.length === 0) return fail('empty', 'zero bytes');
  // Before parsing: the cost of a packet is bounded by its size, so refuse big ones unread.
  if (bytes.length > maxBytes) return fail('oversize', `${bytes.length} bytes > ${maxBytes}`);

  let env: hearsay.Envelope;
  try {
    // Keep unknown fields (bounded by the input size) so that a message of a kind added by a newer minor
    // version is told apart from an empty one: the first is skipped, the second is invalid.
    const reader = protobuf.Reader.create(bytes);
    reader.discardUnknown = false;
    env = hearsay.Envelope.decode(reader);
  } catch (err) {
    return fail('malformed', err instanceof Error ? err.message : 'undecodable');
  }
  if (env.version !== PROTOCOL_VERSION) {
    return fail('unsupported-version', `version ${env.version}, we speak ${PROTOCOL_VERSION}`);
  }
  if (env.cluster !== expect.cluster) return fail('wrong-cluster', `cluster ${JSON.stringify(env.cluster)}`);
  if (!isSaneName(env.sender, limits)) return fail('invalid-field', 'sender empty, too long or unprintable');
  const protoMessages = env.messages;
  if (protoMessages.length === 0) return fail('empty', 'no messages');
  if (protoMessages.length > limits.maxMessagesPerPacket) {
    return fail('too-many', `${protoMessages.length} messages > ${limits.maxMessagesPerPacket}`);
  }

  const messages: WireMessage[] = [];
  let unknownMessages = 0;
  try {
    for (const pm of protoMessages) {
      const m = fromProto(pm, limits);
      if (m === null) unknownMessages++;
      else messages.push(m);
    }
  } catch (err) {
    if (err instanceof InvalidMessage) return fail(err.kind, err.message);
    // Anything else is a bug in the validation code; still never crash the receive loop on a packet.
    return fail('malformed', err instanceof Error ? err.message : 'invalid');
  }
  return {
    ok: true,
    envelope: { version: env.version, cluster: env.cluster, sender: env.sender, messages },
    unknownMessages,
  };
}

export { DecodeStats };
