import type { DvvSet } from '../versioning/dvvset.js';
import { compareReplicaIds, type ReplicaId } from '../versioning/replica-id.js';
import { compareStamps, type LwwStamp, type VersionedValue } from '../versioning/versioned-value.js';

/**
 * Strict mode's conflict rule: of concurrent siblings, the one with the greatest dot wins (counter first,
 * then replica id), a deterministic last-writer-wins that every replica and reader computes alike. Writes
 * in strict mode first read a quorum's clock, so a write that began after another completed covers it and
 * only writes that overlapped in time are ever siblings — picking either is a valid linearization.
 * Undefined for an empty set; a tombstone can win (the key reads as deleted).
 */
export function greatestDotSibling(set: DvvSet<VersionedValue>): VersionedValue | undefined {
  let best: { counter: number; id: string; value: VersionedValue } | undefined;
  for (const e of set.entries) {
    e.values.forEach((value, k) => {
      const counter = e.counter - k;
      if (
        best === undefined ||
        counter > best.counter ||
        (counter === best.counter && compareReplicaIds(e.id, best.id as typeof e.id) > 0)
      ) {
        best = { counter, id: e.id, value };
      }
    });
  }
  return best?.value;
}

/**
 * Last-writer-wins: the sibling with the greatest hybrid-clock stamp (unstamped ones are oldest), ties broken
 * by the greatest dot as in strict mode. Undefined for an empty set; a tombstone can win.
 */
export function latestStamped(set: DvvSet<VersionedValue>): VersionedValue | undefined {
  let best: { counter: number; id: ReplicaId; value: VersionedValue } | undefined;
  for (const e of set.entries) {
    e.values.forEach((value, k) => {
      const counter = e.counter - k;
      const c = best === undefined ? 1 : compareStamps(value.ts, best.value.ts);
      const later =
        c > 0 ||
        (c === 0 &&
          best !== undefined &&
          (counter > best.counter || (counter === best.counter && compareReplicaIds(e.id, best.id) > 0)));
      if (later) best = { counter, id: e.id, value };
    });
  }
  return best?.value;
}

/** The greatest stamp among the siblings, if any is stamped. */
export function greatestStamp(set: DvvSet<VersionedValue>): LwwStamp | undefined {
  let best: LwwStamp | undefined;
  for (const e of set.entries) for (const v of e.values) if (compareStamps(v.ts, best) > 0) best = v.ts;
  return best;
}
