import type { DvvSet } from './dvvset.js';
import { compareReplicaIds, type ReplicaId } from './replica-id.js';
import { compareStamps, type LwwStamp, type VersionedValue } from './versioned-value.js';

/**
 * The global namespace's rule for a settings key: of concurrent siblings, the one with the greatest dot wins
 * (counter first, then replica id), which every node computes alike from the same set, so nodes that hold the
 * same set agree. It is *not* an order on writes: dots of different replicas count different things, so a
 * write can cover the winner and hand the win back to an older sibling. That is why strict mode orders by
 * tags instead (`latestStamped`, docs/consistency.md; issue #11). Undefined for an empty set; a tombstone can
 * win.
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
 * The sibling with the greatest stamp (unstamped ones are oldest), ties broken by the greatest dot: the
 * last-writer-wins read, and strict mode's, where the stamp is the write's ABD tag. Undefined for an empty
 * set; a tombstone can win.
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
