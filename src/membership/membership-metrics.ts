/**
 * What the membership layer (SWIM + Lifeguard driver, gossip, push/pull, packet path) reports. The core
 * imports only this file: no Prometheus library, so the protocol stays testable and metrics stay optional
 * (STYLE.md: "Metrics through a small typed register"). A prom-client implementation lives in
 * `prom-membership-metrics.ts`; tests and disabled nodes use `NOOP_MEMBERSHIP_METRICS`.
 *
 * Every method is fire-and-forget and must never throw: a metric must not be able to break the protocol.
 * Durations are passed in milliseconds (the runtime clock's unit); exporters convert to seconds.
 */

export const MEMBER_STATES = ['alive', 'suspect', 'dead', 'left'] as const;
export type MemberStateLabel = (typeof MEMBER_STATES)[number];

export const PROBE_RESULTS = ['ack', 'indirect-ack', 'failed'] as const;
export type ProbeResult = (typeof PROBE_RESULTS)[number];

export const PUSH_PULL_DIRECTIONS = ['initiated', 'received'] as const;
export type PushPullDirection = (typeof PUSH_PULL_DIRECTIONS)[number];

export const OUTCOMES = ['ok', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface MembershipMetrics {
  /** Member count per state as seen by this node (a full snapshot: every state is set each call). */
  setMembers(byState: Readonly<Record<MemberStateLabel, number>>): void;
  /** Membership checksum as a number, so "all nodes show the same value" is a PromQL query. Use `checksumToGaugeValue`. */
  setChecksum(value: number): void;
  /** This node's own incarnation: it rises each time we refute a suspicion about us. */
  setLocalIncarnation(n: number): void;
  /** Lifeguard local health (awareness) score: 0 is healthy; higher stretches probe timeouts (Lifeguard §4.1). */
  setHealthScore(n: number): void;

  /** Outcome of one probe round against one member. */
  probe(result: ProbeResult): void;
  /** Time from sending a ping to its (direct or indirect) ack, or to giving up. */
  probeDuration(ms: number): void;
  /** We started suspecting a member. */
  suspicionStarted(): void;
  /** Someone suspected us and we refuted with a higher incarnation (a false suspicion). */
  suspicionRefuted(): void;
  /** A member was declared dead (its suspicion timed out). */
  memberFailed(): void;
  /** A member left gracefully. */
  memberLeft(): void;
  /** A member joined (first seen alive, or alive again after dead/left). */
  memberJoined(): void;

  /** Rumors waiting in the broadcast queue (retransmit-limited). */
  broadcastQueueDepth(n: number): void;
  /** Gossip messages (rumors) piggybacked or sent in one go. */
  gossipSent(messages: number): void;
  /** One full state exchange over a stream, and whether it succeeded. */
  pushPull(direction: PushPullDirection, outcome: Outcome): void;
  pushPullDurationMs(ms: number): void;

  /** One datagram received, of this many bytes. */
  packetIn(bytes: number): void;
  /** One datagram sent, of this many bytes. */
  packetOut(bytes: number): void;
  /**
   * One packet dropped. `reason` must come from a small fixed set (decode error kinds, transport drop
   * reasons, "seal", ...): it becomes a label, and exporters cap the number of distinct values.
   */
  packetDropped(reason: string): void;
  /** One stream request (push-pull, indirect ping over TCP, ...) by kind; `kind` is a bounded set too. */
  streamRequest(kind: string, outcome: Outcome): void;

  /** Time for one rumor to reach every node (measured in the simulator and bench, where it is knowable). */
  rumorDissemination(ms: number): void;
}

/** Metrics disabled: every call is a no-op, so callers never branch on "metrics enabled". */
export const NOOP_MEMBERSHIP_METRICS: MembershipMetrics = Object.freeze({
  setMembers: () => {},
  setChecksum: () => {},
  setLocalIncarnation: () => {},
  setHealthScore: () => {},
  probe: () => {},
  probeDuration: () => {},
  suspicionStarted: () => {},
  suspicionRefuted: () => {},
  memberFailed: () => {},
  memberLeft: () => {},
  memberJoined: () => {},
  broadcastQueueDepth: () => {},
  gossipSent: () => {},
  pushPull: () => {},
  pushPullDurationMs: () => {},
  packetIn: () => {},
  packetOut: () => {},
  packetDropped: () => {},
  streamRequest: () => {},
  rumorDissemination: () => {},
});

/** Hex digits that fit a float64 exactly: 13 × 4 = 52 bits (below Number.MAX_SAFE_INTEGER). */
const CHECKSUM_HEX_DIGITS = 13;

/**
 * The first 52 bits of a hex checksum as a number: exact in a float64 gauge, and still enough bits that
 * two different memberships practically never show the same value. Non-hex input gives NaN (visible in
 * Prometheus as "not converged" rather than a misleading 0).
 */
export function checksumToGaugeValue(hex: string): number {
  const head = hex.slice(0, CHECKSUM_HEX_DIGITS);
  if (!/^[0-9a-fA-F]+$/.test(head)) return Number.NaN;
  return Number.parseInt(head, 16);
}
