import { compareReplicaIds, type ReplicaId } from './replica-id.js';

/**
 * Hybrid logical clock (Kulkarni, Demirbas, Madappa, Avva, Leone: "Logical Physical Clocks",
 * OPODIS 2014), for namespaces in last-writer-wins mode. `wallMs` (the paper's l) is the
 * largest physical time seen; `logical` (c) orders events within one `wallMs`; `node` breaks
 * the remaining ties so the order is total. Physical time is passed in: this module reads no
 * clock, so the simulator drives it in virtual time.
 */
export interface Hlc {
  readonly wallMs: number;
  readonly logical: number;
  readonly node: ReplicaId;
}

export function hlcZero(node: ReplicaId): Hlc {
  return { wallMs: 0, logical: 0, node };
}

/**
 * A local or send event (paper Fig. 5): never behind physical time, and strictly after the
 * previous timestamp even if the physical clock went backwards.
 */
export function now(local: Hlc, physicalMs: number): Hlc {
  const wallMs = Math.max(local.wallMs, physicalMs);
  return { wallMs, logical: wallMs === local.wallMs ? local.logical + 1 : 0, node: local.node };
}

/** A receive event: strictly after both the local clock and the remote timestamp. */
export function update(local: Hlc, remote: Hlc, physicalMs: number): Hlc {
  const wallMs = Math.max(local.wallMs, remote.wallMs, physicalMs);
  let logical: number;
  if (wallMs === local.wallMs && wallMs === remote.wallMs)
    logical = Math.max(local.logical, remote.logical) + 1;
  else if (wallMs === local.wallMs) logical = local.logical + 1;
  else if (wallMs === remote.wallMs) logical = remote.logical + 1;
  else logical = 0;
  return { wallMs, logical, node: local.node };
}

/** Total order: (wallMs, logical, node). LWW keeps the greater. */
export function compare(a: Hlc, b: Hlc): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  return compareReplicaIds(a.node, b.node);
}

/**
 * Whether a remote timestamp is believable: a peer whose wall time runs far ahead would drag
 * every clock forward with it (paper §3.3 bounds |l − pt| by the clock offset ε), so receivers
 * should reject, not adopt, timestamps more than `maxOffsetMs` ahead of their physical time.
 */
export function withinOffset(remote: Hlc, physicalMs: number, maxOffsetMs: number): boolean {
  return remote.wallMs - physicalMs <= maxOffsetMs;
}
