/**
 * Time bounds for the simulated membership scenarios, derived from the config formulas (DESIGN.md §5), so a
 * changed tunable moves the bound with it instead of breaking a magic number.
 */
import type { MembershipConfig } from '../../../src/membership/config.js';
import { pushPullScaleMs, retransmitLimit, suspicionTimeoutMs } from '../../../src/membership/timing.js';

/**
 * Protocol periods until some live node probes a given crashed member. Each of the n − 1 others probes one
 * member per period in a shuffled round-robin, so a period misses the victim with probability about
 * (1 − 1/(n−1))^(n−1) ≈ 1/e (SWIM §3.1: expected first detection after e/(e−1) periods); five periods
 * miss with probability e^−5 < 1 %.
 */
export const FIRST_PROBE_PERIODS = 5;

/** Lifeguard suspicion timeout range for a cluster of n members (the driver's startSuspicion). */
export function suspicionBoundsMs(cfg: MembershipConfig, n: number): { minMs: number; maxMs: number } {
  const minMs = suspicionTimeoutMs(cfg.suspicionMult, n, cfg.probeIntervalMs);
  return { minMs, maxMs: cfg.suspicionMaxTimeoutMult * minMs };
}

/**
 * Time for a rumor to reach everyone: each holder passes it on for retransmitLimit(n) transmissions at
 * gossipNodes per gossipIntervalMs, so every transmission budget is spent within retransmitLimit(n) gossip
 * intervals (piggybacking on probes only makes it faster).
 */
export function disseminationMs(cfg: MembershipConfig, n: number): number {
  return retransmitLimit(cfg.retransmitMult, n) * cfg.gossipIntervalMs;
}

/**
 * From a crash to every live node marking the victim dead: the first probe (FIRST_PROBE_PERIODS), the failed
 * probe's own period, the longest suspicion (no confirmations), then spreading the `dead` rumor.
 */
export function detectionBoundMs(cfg: MembershipConfig, n: number): number {
  return (
    (FIRST_PROBE_PERIODS + 1) * cfg.probeIntervalMs +
    suspicionBoundsMs(cfg, n).maxMs +
    disseminationMs(cfg, n)
  );
}

/**
 * A join storm through seeds: the seeds learn every joiner by push/pull and gossip their alive rumors;
 * the periodic push/pull (scaled by cluster size) repairs what gossip missed, so one push/pull period plus
 * one dissemination bounds it.
 */
export function joinBoundMs(cfg: MembershipConfig, n: number): number {
  return pushPullScaleMs(cfg.pushPullIntervalMs, n) + disseminationMs(cfg, n);
}
