import { compareReplicaIds, mergeById, type ReplicaId } from './replica-id.js';
import { dominates, type VersionVector, type VvEntry, equal as vvEqual } from './version-vector.js';

/**
 * Dotted Version Vector Set (Almeida, Baquero, Gonçalves, Preguiça, Fonte: "Scalable and Accurate
 * Causality Tracking for Eventually Consistent Stores", DAIS 2014), in the compact form of Riak's
 * `dvvset.erl`.
 *
 * One entry per replica that coordinated a write: `(id, counter, values)` where `values[k]` is
 * the sibling written with dot `(id, counter − k)`. So the entry stands for the version vector
 * component `id ↦ counter` plus the dots of its surviving siblings, which must be the newest
 * ones of that replica (paper §5.2: a DVVSet stores the siblings' dots implicitly as a suffix of
 * each counter). Entries are sorted by id and unique.
 *
 * `anonymous` holds values that have no dot yet: a client's write (`newWithContext`) or a resolved
 * value (`reconcile`, `lww`) on its way to `update`. Replica states hold only dotted values; the
 * sync laws (commutative, associative, idempotent) are stated and tested for those.
 */
export interface DvvEntry<V> {
  readonly id: ReplicaId;
  readonly counter: number;
  /** Newest first: `values[k]` carries dot `(id, counter − k)`; length ≤ counter. */
  readonly values: readonly V[];
}

export interface DvvSet<V> {
  readonly entries: readonly DvvEntry<V>[];
  readonly anonymous: readonly V[];
}

/**
 * Value equality, needed only to deduplicate anonymous values when two sets are synced; dotted
 * values are identified by their dot. Default `Object.is`; pass one for structured values.
 */
export type ValueEquals<V> = (a: V, b: V) => boolean;

/** A set with no history: one anonymous value (dvvset.erl `new/1`). */
export function newSet<V>(value: V): DvvSet<V> {
  return { entries: [], anonymous: [value] };
}

/**
 * A client write: `value` with the causal context the client read (dvvset.erl `new/2`). The
 * context becomes entries with no values, so `update` discards exactly what the client saw.
 */
export function newWithContext<V>(context: VersionVector, value: V): DvvSet<V> {
  return { entries: context.map((e) => ({ id: e.id, counter: e.counter, values: [] })), anonymous: [value] };
}

/** The causal context of a set: its version vector, what a reader sends back with a write. */
export function join<V>(set: DvvSet<V>): VersionVector {
  return set.entries.map((e): VvEntry => ({ id: e.id, counter: e.counter }));
}

/**
 * Merge two replica states (paper §5.2, `sync`): per replica keep the larger counter and only the
 * siblings that neither side has discarded. A value is dropped iff one side's clock covers its
 * dot and that side no longer holds it, i.e. some write's context covered it.
 */
export function sync<V>(a: DvvSet<V>, b: DvvSet<V>, eq: ValueEquals<V> = Object.is): DvvSet<V> {
  // Anonymous values have only their holder's clock as history: a strictly newer clock on the
  // other side supersedes them (dvvset.erl `sync/2`).
  const anonymous = less(a, b)
    ? b.anonymous
    : less(b, a)
      ? a.anonymous
      : unionValues(a.anonymous, b.anonymous, eq);
  return { entries: syncEntries(a.entries, b.entries), anonymous };
}

/** Sync many states; the empty list is an empty set. */
export function syncAll<V>(sets: readonly DvvSet<V>[], eq: ValueEquals<V> = Object.is): DvvSet<V> {
  return sets.reduce((acc, s) => sync(acc, s, eq), EMPTY_SET as DvvSet<V>);
}

const EMPTY_SET: DvvSet<never> = Object.freeze({ entries: [], anonymous: [] });

export function emptySet<V>(): DvvSet<V> {
  return EMPTY_SET;
}

function syncEntries<V>(a: readonly DvvEntry<V>[], b: readonly DvvEntry<V>[]): DvvEntry<V>[] {
  return mergeById(a, b, mergeEntry);
}

/**
 * Same replica on both sides. `counter − values.length` is the newest dot that side has
 * discarded; the merged entry keeps the larger counter and discards up to the larger of the two
 * discard points, so a value dropped anywhere stays dropped (no resurrection).
 */
function mergeEntry<V>(x: DvvEntry<V>, y: DvvEntry<V>): DvvEntry<V> {
  const [hi, lo] = x.counter >= y.counter ? [x, y] : [y, x];
  const hiDiscarded = hi.counter - hi.values.length;
  const loDiscarded = lo.counter - lo.values.length;
  if (hiDiscarded >= loDiscarded) return hi;
  return { id: hi.id, counter: hi.counter, values: hi.values.slice(0, hi.counter - loDiscarded) };
}

/**
 * Drop everything `context` covers (paper §5.2 `discard`), and take the context into the clock so
 * the result's join descends it. Anonymous values are dropped when the context has seen all of
 * the set's history.
 */
export function discard<V>(set: DvvSet<V>, context: VersionVector): DvvSet<V> {
  const entries = syncEntries(
    set.entries,
    context.map((e): DvvEntry<V> => ({ id: e.id, counter: e.counter, values: [] })),
  );
  const history = join(set);
  const seenAll = history.every((e) => context.some((c) => c.id === e.id && c.counter >= e.counter));
  return { entries, anonymous: seenAll ? [] : set.anonymous };
}

/**
 * The coordinator's put (paper §5.2 `update`, dvvset.erl `update/3`): discard from the replica's
 * current state whatever the client's context covers, then add the client's value under a fresh
 * dot `(replica, max + 1)`. Siblings the client did not see stay: they are concurrent. Because
 * the dot is minted by the replica, not the client, retries and many clients do not grow the
 * clock, and siblings are only the writes no context covered (no "sibling explosion", §3).
 *
 * `client` must carry exactly one anonymous value (from `newSet`/`newWithContext`/`reconcile`);
 * `current` is the replica's state for the key, or undefined if it has none.
 */
export function update<V>(client: DvvSet<V>, current: DvvSet<V> | undefined, replica: ReplicaId): DvvSet<V> {
  if (client.anonymous.length !== 1) {
    throw new Error(`update expects exactly one new value, got ${client.anonymous.length}`);
  }
  const value = client.anonymous[0] as V;
  const base = discard(current ?? EMPTY_SET, join(client));
  return { entries: event(base.entries, replica, value), anonymous: base.anonymous };
}

/** Mint the next dot of `replica` for `value`, keeping entries sorted. */
function event<V>(entries: readonly DvvEntry<V>[], replica: ReplicaId, value: V): DvvEntry<V>[] {
  const out: DvvEntry<V>[] = [];
  let placed = false;
  for (const e of entries) {
    const c = compareReplicaIds(e.id, replica);
    if (c === 0) {
      out.push({ id: e.id, counter: e.counter + 1, values: [value, ...e.values] });
      placed = true;
    } else {
      if (c > 0 && !placed) {
        out.push({ id: replica, counter: 1, values: [value] });
        placed = true;
      }
      out.push(e);
    }
  }
  if (!placed) out.push({ id: replica, counter: 1, values: [value] });
  return out;
}

/** All siblings: per replica newest first, in replica order, then anonymous values. */
export function values<V>(set: DvvSet<V>): V[] {
  return [...set.entries.flatMap((e) => e.values), ...set.anonymous];
}

/** Number of siblings. */
export function size<V>(set: DvvSet<V>): number {
  return set.entries.reduce((n, e) => n + e.values.length, 0) + set.anonymous.length;
}

/**
 * Causal equality (dvvset.erl `equal/2`): same clock and the same dots still holding values.
 * Dotted values are not compared: a dot names one write, so equal dots mean equal values.
 */
export function equal<V>(a: DvvSet<V>, b: DvvSet<V>): boolean {
  return (
    a.entries.length === b.entries.length &&
    a.entries.every((e, i) => {
      const f = b.entries[i]!;
      return e.id === f.id && e.counter === f.counter && e.values.length === f.values.length;
    }) &&
    a.anonymous.length === b.anonymous.length
  );
}

/** Strict causal dominance of the clocks: everything `a` saw, `b` saw, and more. */
export function less<V>(a: DvvSet<V>, b: DvvSet<V>): boolean {
  return dominates(join(b), join(a));
}

/** Same clock, regardless of which siblings are held. */
export function sameHistory<V>(a: DvvSet<V>, b: DvvSet<V>): boolean {
  return vvEqual(join(a), join(b));
}

/**
 * Resolve siblings to one value with `fn` (dvvset.erl `reconcile/2`). The result is a client
 * write whose context is the whole clock, ready for `update`: it supersedes every sibling.
 * Undefined for an empty set.
 */
export function reconcile<V>(set: DvvSet<V>, fn: (siblings: readonly V[]) => V): DvvSet<V> | undefined {
  const vs = values(set);
  return vs.length === 0 ? undefined : newWithContext(join(set), fn(vs));
}

/**
 * Keep the greatest sibling by `cmp` (ties: the first in `values` order, which is deterministic).
 * Unlike dvvset.erl `lww/2`, the winner does not keep a dot: moving an older sibling to the
 * entry's newest dot would give one dot two values on different replicas. It becomes a client
 * write over the whole clock instead, like `reconcile`.
 */
export function lww<V>(set: DvvSet<V>, cmp: (a: V, b: V) => number): DvvSet<V> | undefined {
  return reconcile(set, (vs) => vs.reduce((best, v) => (cmp(v, best) > 0 ? v : best)));
}

function unionValues<V>(a: readonly V[], b: readonly V[], eq: ValueEquals<V>): readonly V[] {
  const out: V[] = [];
  for (const v of [...a, ...b]) if (!out.some((w) => eq(w, v))) out.push(v);
  return out;
}
