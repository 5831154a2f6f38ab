import { compareReplicaIds, mergeById, type ReplicaId } from './replica-id.js';

/** One component of a version vector: replica `id` has issued events 1..counter. */
export interface VvEntry {
  readonly id: ReplicaId;
  readonly counter: number;
}

/**
 * A version vector (replica → counter), the causal context a client reads and writes back.
 * Canonical form: entries sorted by `compareReplicaIds`, ids unique, counters ≥ 1 (a zero is the
 * same as absent). Every function here takes and returns canonical vectors; `fromEntries`
 * normalizes anything else.
 */
export type VersionVector = readonly VvEntry[];

export const EMPTY_VV: VersionVector = Object.freeze([]);

/** Normalize: sort, keep the maximum of duplicate ids, drop zero counters. */
export function fromEntries(entries: Iterable<VvEntry>): VersionVector {
  const max = new Map<ReplicaId, number>();
  for (const e of entries) {
    if (!Number.isSafeInteger(e.counter) || e.counter < 0) {
      throw new Error(`version vector counter must be a non-negative safe integer, got ${e.counter}`);
    }
    max.set(e.id, Math.max(max.get(e.id) ?? 0, e.counter));
  }
  return [...max]
    .filter(([, counter]) => counter > 0)
    .map(([id, counter]) => ({ id, counter }))
    .sort((a, b) => compareReplicaIds(a.id, b.id));
}

export function isCanonical(vv: VersionVector): boolean {
  return vv.every(
    (e, i) =>
      Number.isSafeInteger(e.counter) &&
      e.counter >= 1 &&
      (i === 0 || compareReplicaIds(vv[i - 1]!.id, e.id) < 0),
  );
}

export function get(vv: VersionVector, id: ReplicaId): number {
  for (const e of vv) if (e.id === id) return e.counter;
  return 0;
}

/** The least upper bound: pointwise maximum (a sorted merge, linear in the sizes). */
export function merge(a: VersionVector, b: VersionVector): VersionVector {
  return mergeById(a, b, (x, y) => (x.counter >= y.counter ? x : y));
}

/** `a` has seen everything `b` has (a ≥ b pointwise). */
export function descends(a: VersionVector, b: VersionVector): boolean {
  return b.every((e) => get(a, e.id) >= e.counter);
}

export function equal(a: VersionVector, b: VersionVector): boolean {
  return a.length === b.length && a.every((e, i) => e.id === b[i]!.id && e.counter === b[i]!.counter);
}

/** Strict causal dominance: a > b. */
export function dominates(a: VersionVector, b: VersionVector): boolean {
  return descends(a, b) && !equal(a, b);
}

/** Neither has seen all of the other: the writes they describe are siblings. */
export function concurrent(a: VersionVector, b: VersionVector): boolean {
  return !descends(a, b) && !descends(b, a);
}

/** Does the vector include the dot (id, counter)? Dots of one replica are contiguous from 1. */
export function containsDot(vv: VersionVector, id: ReplicaId, counter: number): boolean {
  return get(vv, id) >= counter;
}
