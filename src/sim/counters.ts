/** What happened to datagrams (and requests) on one directed link, or on all of them. */
export interface PacketCounters {
  /** Datagrams accepted by sendPacket (oversize and closed-transport sends are not counted). */
  sent: number;
  /** Copies handed to a receiver's packet handler (duplicates count twice). */
  delivered: number;
  /** Dropped by the link's `loss` probability. */
  lost: number;
  /** Extra copies created by the link's `duplicate` probability. */
  duplicated: number;
  /** Delayed by the link's `reorder` probability. */
  reordered: number;
  /** Dropped at send time because a partition cut the link. */
  partitioned: number;
  /** Arrived at an address with no live transport (never added, crashed, closed). */
  undeliverable: number;
  /** Dropped because the receiver was paused and its held-packet queue was full. */
  overflow: number;
  /** Requests issued over the stream channel (up-front oversize/closed refusals are not issued). */
  requests: number;
  /** Issued requests that failed with a TransportError (any code). */
  requestsFailed: number;
}

export function zeroCounters(): PacketCounters {
  return {
    sent: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    partitioned: 0,
    undeliverable: 0,
    overflow: 0,
    requests: 0,
    requestsFailed: 0,
  };
}

/** Link key for integer-keyed maps: exact for up to 2^21 node indexes. */
export function linkKey(from: number, to: number): number {
  return from * 2097152 + to;
}
