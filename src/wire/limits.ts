/**
 * Bounds the decoder enforces on untrusted input (DESIGN.md §4) and the packer's datagram size. Each bound
 * keeps one hostile or buggy packet from costing more than a small, fixed amount of memory and CPU.
 */
export interface WireLimits {
  /**
   * Largest datagram the packer produces. memberlist's udpSendBuf is 1400: below a 1500-byte Ethernet MTU
   * after IP/UDP headers (and room for encryption overhead), so packets are not fragmented.
   */
  readonly mtuBytes: number;
  /**
   * Largest input decodePacket parses when the caller gives no maxBytes. 65536 is memberlist's udpBufSize;
   * reliable-channel frames (push/pull) pass their own, larger bound.
   */
  readonly maxPacketBytes: number;
  /** Messages per envelope. A 1400-byte datagram holds at most ~460 of the smallest message (3 bytes). */
  readonly maxMessagesPerPacket: number;
  /** Members in one push/pull. Far above the 1,000-node simulations; bounds allocation per frame. */
  readonly maxPushPullNodes: number;
  /** UTF-16 length of node names, cluster names, addresses, zones and event names (DNS names ≤ 253). */
  readonly maxNameLength: number;
  /** Entries in a member's meta map. */
  readonly maxMetaEntries: number;
  /** Total length of a meta map's keys and values; memberlist's MetaMaxSize is 512 bytes. */
  readonly maxMetaLength: number;
}

export const DEFAULT_WIRE_LIMITS: WireLimits = {
  mtuBytes: 1400,
  maxPacketBytes: 65536,
  maxMessagesPerPacket: 1024,
  maxPushPullNodes: 65536,
  maxNameLength: 255,
  maxMetaEntries: 64,
  maxMetaLength: 512,
};
