/**
 * Why a packet was dropped, and how often (DESIGN.md §4: unknown versions/clusters/bad tags are dropped and
 * counted, never crash the node). Kinds are stable strings so a metrics registry can label by them later
 * (`hearsay_wire_decode_errors_total{kind}`).
 */
export const DECODE_ERROR_KINDS = [
  /** Zero bytes, or an envelope carrying no messages. */
  'empty',
  /** More bytes than the receiver accepts (checked before parsing). */
  'oversize',
  /** Not valid protobuf for an Envelope: truncated, bad varint, bad wire type, invalid UTF-8, too deep. */
  'malformed',
  /** Envelope of another major protocol version (or none). */
  'unsupported-version',
  /** Envelope from another cluster: a misconfigured peer or a stray packet. */
  'wrong-cluster',
  /** Well-formed protobuf whose content breaks a rule: a required field missing, a bad name or port. */
  'invalid-field',
  /** A count over its bound: messages per packet, nodes per push/pull, meta entries or bytes. */
  'too-many',
] as const;

export type DecodeErrorKind = (typeof DECODE_ERROR_KINDS)[number];

export interface DecodeError {
  readonly kind: DecodeErrorKind;
  /** For logs (at debug level: packets are untrusted input); never switch on it. */
  readonly detail: string;
}

/**
 * Plain counters of decode outcomes, read by the metrics layer later. One per node (or per transport).
 * Unknown message kinds are not errors: a newer minor version may add them; they are skipped and counted.
 */
export class DecodeStats {
  /** Packets decoded successfully. */
  packets = 0;
  /** Messages delivered from successful packets. */
  messages = 0;
  /** Messages of a kind this version does not know, skipped inside otherwise good packets. */
  unknownMessages = 0;
  /** Dropped packets by reason. */
  readonly errors: Record<DecodeErrorKind, number> = {
    empty: 0,
    oversize: 0,
    malformed: 0,
    'unsupported-version': 0,
    'wrong-cluster': 0,
    'invalid-field': 0,
    'too-many': 0,
  };

  recordOk(messages: number, unknownMessages: number): void {
    this.packets++;
    this.messages += messages;
    this.unknownMessages += unknownMessages;
  }

  recordError(kind: DecodeErrorKind): void {
    this.errors[kind]++;
  }

  /** Packets dropped for any reason. */
  droppedPackets(): number {
    let n = 0;
    for (const kind of DECODE_ERROR_KINDS) n += this.errors[kind];
    return n;
  }
}
