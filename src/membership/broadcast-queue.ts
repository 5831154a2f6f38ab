/**
 * The transmit-limited broadcast queue (memberlist `queue.go` TransmitLimitedQueue): rumors waiting to be
 * piggybacked on probes or sent by the gossip round. Each is sent retransmitLimit(mult, n) times, fewest
 * transmits first, and a newer rumor about the same member replaces the older one (an `alive` invalidates
 * a pending `suspect`), which is what keeps the rumor mill from spreading stale news.
 *
 * Order, as memberlist's btree: transmits ascending, then length descending (pack big messages while
 * there is room, small ones fill the gaps), then newest first. Entries live in one array per transmit
 * tier, each sorted by (length desc, id desc); a getBroadcasts call costs O(n + k log n) for k messages
 * picked, never O(n²).
 */
import { retransmitLimit } from './timing.js';

/** An encoded message to broadcast (the wire layer encodes; the queue only counts bytes and sends). */
export interface Broadcast {
  /**
   * Invalidation key, usually the member name: enqueuing a broadcast with the same key drops the queued
   * one (memberlist NamedBroadcast). Without a key the broadcast is unique and never invalidated.
   */
  readonly key?: string;
  readonly bytes: Uint8Array;
  /**
   * Called once when the queue lets go of the broadcast: sent its last time, invalidated by a newer one,
   * pruned or reset. A leave can resolve here once its `left` rumor has been sent enough.
   */
  readonly finished?: () => void;
}

export interface BroadcastQueueInit {
  /** memberlist `RetransmitMult`. */
  readonly retransmitMult: number;
  /** Current cluster size; read on every getBroadcasts so the limit follows the cluster. */
  readonly numNodes: () => number;
}

/** Below this ratio of tier length to promoted entries, promote by splicing rather than merging. */
const SPLICE_MERGE_RATIO = 8;

/**
 * A queued broadcast. Its fields are copied in rather than the Broadcast kept, one object per entry
 * instead of two: a 10,000-node simulated join storm holds 4×10⁷ entries (docs/membership.md).
 */
interface Entry {
  transmits: number;
  readonly lengthBytes: number;
  /** Submission order; higher is newer. */
  readonly id: number;
  readonly key: string | undefined;
  readonly bytes: Uint8Array;
  readonly finished: (() => void) | undefined;
}

/** Order within a tier: longer first, then newer first. Negative when `a` goes before `b`. */
function compareInTier(a: Entry, b: Entry): number {
  return a.lengthBytes !== b.lengthBytes ? b.lengthBytes - a.lengthBytes : b.id - a.id;
}

/** First index in `tier` whose entry does not go before `e` (the insertion point, or e's own index). */
function lowerBound(tier: readonly Entry[], e: Entry): number {
  let lo = 0;
  let hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareInTier(tier[mid] as Entry, e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index ≥ `from` whose entry is at most `freeBytes` long (lengths descend along a tier). */
function firstFitting(tier: readonly Entry[], from: number, freeBytes: number): number {
  // Usually the next entry fits (a packet fills up only at its end): answer that without the binary
  // search, whose every probe reads an entry scattered over the heap (a cache miss per probe in a
  // 1,000-node join storm, where this function showed up at 6% of the profile).
  if (from < tier.length && (tier[from] as Entry).lengthBytes <= freeBytes) return from;
  let lo = from;
  let hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((tier[mid] as Entry).lengthBytes > freeBytes) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Removes the entries at `indices` (ascending) in one compacting pass from the first of them. */
function removeSortedIndices(tier: Entry[], indices: readonly number[]): void {
  let write = indices[0] as number;
  let next = 0;
  for (let read = write; read < tier.length; read++) {
    if (read === indices[next]) {
      next++;
      continue;
    }
    tier[write++] = tier[read] as Entry;
  }
  tier.length = write;
}

function mergeTiers(a: readonly Entry[], b: readonly Entry[]): Entry[] {
  const out: Entry[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Entry;
    const y = b[j] as Entry;
    if (compareInTier(x, y) <= 0) {
      out[k++] = x;
      i++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++] as Entry;
  while (j < b.length) out[k++] = b[j++] as Entry;
  return out;
}

export class BroadcastQueue {
  private readonly retransmitMult: number;
  private readonly numNodes: () => number;
  /** transmits → entries with that many transmits, sorted by compareInTier. No empty tiers are kept. */
  private tiers = new Map<number, Entry[]>();
  private byKey = new Map<string, Entry>();
  private size = 0;
  private nextId = 0;

  constructor(init: BroadcastQueueInit) {
    if (!(Number.isInteger(init.retransmitMult) && init.retransmitMult >= 1)) {
      throw new RangeError(`retransmitMult must be a positive integer, got ${init.retransmitMult}`);
    }
    this.retransmitMult = init.retransmitMult;
    this.numNodes = init.numNodes;
  }

  /** Queues `b` with zero transmits, replacing (and finishing) any queued broadcast with the same key. */
  enqueue(b: Broadcast): void {
    let replaced: Entry | undefined;
    if (b.key !== undefined) {
      replaced = this.byKey.get(b.key);
      if (replaced !== undefined) this.remove(replaced);
    }
    const e: Entry = {
      transmits: 0,
      lengthBytes: b.bytes.length,
      id: this.nextId++,
      key: b.key,
      bytes: b.bytes,
      finished: b.finished,
    };
    this.insert(e);
    // Callbacks run after the queue is consistent, so a finished() that enqueues again is safe.
    replaced?.finished?.();
  }

  /**
   * Broadcasts to send now, fitting in `limitBytes` when each costs `overheadBytes` on top of its length
   * (e.g. the compound-message length prefix). Walks tiers from the fewest transmits, taking the first
   * entry of each tier that still fits. Each returned broadcast counts one transmit; those reaching the
   * retransmit limit leave the queue and are finished.
   */
  getBroadcasts(overheadBytes: number, limitBytes: number): Uint8Array[] {
    if (this.size === 0) return [];
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    const toSend: Uint8Array[] = [];
    const promoted = new Map<number, Entry[]>();
    const finished: Entry[] = [];
    let usedBytes = 0;
    let full = false;

    for (const transmits of [...this.tiers.keys()].sort((a, b) => a - b)) {
      const tier = this.tiers.get(transmits) as Entry[];
      const picked: number[] = [];
      let from = 0;
      for (;;) {
        const freeBytes = limitBytes - usedBytes - overheadBytes;
        if (freeBytes <= 0) {
          full = true;
          break;
        }
        const idx = firstFitting(tier, from, freeBytes);
        if (idx >= tier.length) break;
        const e = tier[idx] as Entry;
        picked.push(idx);
        usedBytes += overheadBytes + e.lengthBytes;
        toSend.push(e.bytes);
        from = idx + 1;
      }
      if (picked.length > 0) {
        const taken = picked.map((i) => tier[i] as Entry);
        removeSortedIndices(tier, picked);
        if (tier.length === 0) this.tiers.delete(transmits);
        for (const e of taken) {
          if (e.transmits + 1 >= transmitLimit) {
            this.size--;
            this.forgetKey(e);
            finished.push(e);
          } else {
            // Promotion waits until the walk is over, or the next tier would offer the same entry again.
            e.transmits++;
            const list = promoted.get(e.transmits);
            if (list === undefined) promoted.set(e.transmits, [e]);
            else list.push(e);
          }
        }
      }
      if (full) break;
    }

    // Entries picked from one tier were taken in that tier's order, so each promoted list is sorted.
    for (const [transmits, list] of promoted) {
      const tier = this.tiers.get(transmits);
      if (tier === undefined) this.tiers.set(transmits, list);
      else if (list.length * SPLICE_MERGE_RATIO < tier.length) {
        // A few entries into a long tier: binary-search inserts (memmove) beat rebuilding the array.
        for (const e of list) tier.splice(lowerBound(tier, e), 0, e);
      } else this.tiers.set(transmits, mergeTiers(tier, list));
    }
    for (const e of finished) e.finished?.();
    return toSend;
  }

  /** Broadcasts currently queued. */
  numQueued(): number {
    return this.size;
  }

  /**
   * Keeps at most `maxRetained` broadcasts, dropping (and finishing) the most-transmitted, then shortest,
   * then oldest first: those have done most of their spreading already. Bounds the queue under churn.
   */
  prune(maxRetained: number): void {
    if (this.size <= maxRetained) return;
    const dropped: Entry[] = [];
    for (const transmits of [...this.tiers.keys()].sort((a, b) => b - a)) {
      const tier = this.tiers.get(transmits) as Entry[];
      while (this.size > maxRetained && tier.length > 0) {
        const e = tier.pop() as Entry;
        this.size--;
        this.forgetKey(e);
        dropped.push(e);
      }
      if (tier.length === 0) this.tiers.delete(transmits);
      if (this.size <= maxRetained) break;
    }
    for (const e of dropped) e.finished?.();
  }

  /** Drops every broadcast, finishing each. */
  reset(): void {
    const all = [...this.tiers.values()].flat();
    this.tiers = new Map();
    this.byKey = new Map();
    this.size = 0;
    this.nextId = 0;
    for (const e of all) e.finished?.();
  }

  private insert(e: Entry): void {
    const tier = this.tiers.get(e.transmits);
    if (tier === undefined) this.tiers.set(e.transmits, [e]);
    else tier.splice(lowerBound(tier, e), 0, e);
    if (e.key !== undefined) this.byKey.set(e.key, e);
    this.size++;
  }

  private remove(e: Entry): void {
    const tier = this.tiers.get(e.transmits);
    if (tier === undefined) return;
    const idx = lowerBound(tier, e);
    if (tier[idx] !== e) return;
    tier.splice(idx, 1);
    if (tier.length === 0) this.tiers.delete(e.transmits);
    this.forgetKey(e);
    this.size--;
  }

  private forgetKey(e: Entry): void {
    const key = e.key;
    if (key !== undefined && this.byKey.get(key) === e) this.byKey.delete(key);
  }
}
