/**
 * Cluster-size scaling formulas for membership timers and retransmits (memberlist `util.go`). Pure
 * functions of their arguments so every node, and every test, computes the same numbers.
 */

/**
 * Push/pull is not scaled up to this many members; beyond it the interval grows by one period per doubling
 * (the 33rd member doubles it, the 65th triples it), so full-state TCP syncs do not saturate a big cluster.
 * memberlist `pushPullScaleThreshold`.
 */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * The minimum suspicion timeout: suspicionMult · max(1, log10(max(1, n))) · probeIntervalMs. The log term
 * tracks how long a refutation needs to spread through n members. Like memberlist, the scale factor is
 * truncated to three decimals (log10(50) = 1.69897 → 1.698), so our timeouts match its to the millisecond.
 * memberlist `suspicionTimeout`.
 */
export function suspicionTimeoutMs(suspicionMult: number, n: number, probeIntervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  const nodeScaleMilli = Math.floor(nodeScale * 1000);
  return (suspicionMult * nodeScaleMilli * probeIntervalMs) / 1000;
}

/**
 * Independent confirmations that drive a suspicion to its minimum timeout: suspicionMult − 2, or 0 when the
 * cluster has too few other members (n − 2, excluding the suspect and ourselves) to ever supply them, in
 * which case the timer sits at the minimum. memberlist `state.go` (suspectNode).
 */
export function suspicionConfirmationsNeeded(suspicionMult: number, n: number): number {
  const k = suspicionMult - 2;
  return n - 2 < k ? 0 : Math.max(0, k);
}

/**
 * How many times each broadcast is sent: retransmitMult · ceil(log10(n + 1)). Gossip reaches everyone in
 * O(log n) rounds, so this many transmits make a rumor's loss improbable. memberlist `retransmitLimit`.
 */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

/**
 * The push/pull interval for a cluster of n members: unchanged up to 32 members, then multiplied by
 * ceil(log2(n) − log2(32)) + 1. memberlist `pushPullScale`.
 */
export function pushPullScaleMs(intervalMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}
