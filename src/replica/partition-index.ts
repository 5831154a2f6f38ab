import type { Namespace, Storage } from '../storage/storage.js';

/** Reserved namespace listing every client namespace this replica holds data in (partition 0, key = name). */
export const NAMESPACE_INDEX = '\u0000namespaces';
/** Reserved namespace listing the partitions that hold data: storage partition p, key = namespace name. */
export const PARTITION_INDEX = '\u0000partitions';
/** Written once the partition index covers every namespace (data directories from before it are scanned once). */
const INDEX_VERSION = { partition: 1, key: new TextEncoder().encode('partition-index-v1') };

/** Client namespaces per node unless configured: enough for most deployments, far below what memory allows. */
export const DEFAULT_MAX_NAMESPACES = 1024;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** What `note` answers: the (namespace, partition) may now hold data, or the namespace cap refused it. */
export type NoteResult = { readonly ok: true } | { readonly ok: false; readonly limit: number };

/**
 * Which (namespace, partition) pairs hold data on this replica, kept durably beside the data (issue #12), so
 * that anti-entropy, handoff and Merkle trees cost in proportion to the data held, not to namespaces × ring
 * partitions, and so that the number of namespaces per node can be capped.
 *
 * The index may over-report (a partition emptied by deletes stays listed until `forgetIfEmpty` confirms it
 * in storage) but never under-reports: every write notes its partition before its data is stored, and a
 * removal gives up if any write to the namespace started while it checked storage (a per-namespace write
 * epoch). Under-reporting would hide data from anti-entropy and handoff; over-reporting only costs a scan.
 */
export class PartitionIndex {
  readonly #storage: Storage;
  readonly #maxNamespaces: number;
  readonly #exempt: ReadonlySet<Namespace>;
  readonly #held = new Map<Namespace, Set<number>>();
  /** Writes to a namespace started so far, and how many are still between `enter` and `leave`. */
  readonly #epoch = new Map<Namespace, { started: number; inFlight: number }>();
  readonly #removing = new Map<Namespace, Promise<void>>();
  /** The version marker is not stored yet: the first `note` stores it with its entries. */
  #markerPending = false;

  /** `exempt` namespaces (the global one) are always accepted and not counted against `maxNamespaces`. */
  constructor(storage: Storage, maxNamespaces: number, exempt: readonly Namespace[] = []) {
    this.#storage = storage;
    this.#maxNamespaces = maxNamespaces;
    this.#exempt = new Set(exempt);
  }

  /** Loads the index; a data directory written before the partition index existed is scanned once. */
  async load(): Promise<void> {
    const names: Namespace[] = [];
    for await (const [k] of this.#storage.iterate(NAMESPACE_INDEX, { partition: 0 })) {
      names.push(utf8Decoder.decode(k.key));
    }
    if ((await this.#storage.get(NAMESPACE_INDEX, INDEX_VERSION)) === undefined) {
      // A new data directory writes nothing until its first write (so opening one never waits on a disk).
      if (names.length === 0) this.#markerPending = true;
      for (const ns of names) {
        let last = -1;
        for await (const [k] of this.#storage.iterate(ns)) {
          if (k.partition === last) continue;
          last = k.partition;
          await this.#storage.put(PARTITION_INDEX, { partition: k.partition, key: utf8.encode(ns) }, ONE);
        }
      }
      if (names.length > 0) await this.#storage.put(NAMESPACE_INDEX, INDEX_VERSION, ONE);
    }
    for await (const [k] of this.#storage.iterate(PARTITION_INDEX)) {
      this.#partitionsOf(utf8Decoder.decode(k.key)).add(k.partition);
    }
    // A namespace listed with no partition holds nothing (its last removal was interrupted): drop it.
    for (const ns of names) {
      if (!this.#held.has(ns))
        await this.#storage.delete(NAMESPACE_INDEX, { partition: 0, key: utf8.encode(ns) });
    }
  }

  /** Namespaces holding data, sorted. */
  namespaces(): readonly Namespace[] {
    return [...this.#held.keys()].sort();
  }

  /** Partitions of `ns` that may hold data, ascending. */
  partitions(ns: Namespace): readonly number[] {
    return [...(this.#held.get(ns) ?? [])].sort((a, b) => a - b);
  }

  /** Every (namespace, partition) that may hold data. */
  *entries(): Generator<{ readonly ns: Namespace; readonly partition: number }> {
    for (const ns of this.namespaces()) for (const partition of this.partitions(ns)) yield { ns, partition };
  }

  /** False only if the partition certainly holds nothing of `ns` here. */
  holds(ns: Namespace, partition: number): boolean {
    return this.#held.get(ns)?.has(partition) === true;
  }

  /** Namespaces holding data that count against the cap. */
  get namespaceCount(): number {
    let n = this.#held.size;
    for (const ns of this.#exempt) if (this.#held.has(ns)) n--;
    return n;
  }

  /** Count(s) a write to `ns` as in flight until `leave`; a removal check running meanwhile gives up. */
  enter(ns: Namespace): void {
    const e = this.#epoch.get(ns);
    if (e === undefined) this.#epoch.set(ns, { started: 1, inFlight: 1 });
    else {
      e.started++;
      e.inFlight++;
    }
  }

  leave(ns: Namespace): void {
    const e = this.#epoch.get(ns);
    if (e === undefined) return;
    e.inFlight--;
    if (e.inFlight === 0 && !this.#removing.has(ns)) this.#epoch.delete(ns);
  }

  /**
   * Before data of `ns` is stored in `partition` (between `enter` and `leave`): list it durably. A namespace
   * new to this node past the cap is refused.
   */
  async note(ns: Namespace, partition: number): Promise<NoteResult> {
    await this.#removing.get(ns);
    const parts = this.#held.get(ns);
    if (parts?.has(partition)) return { ok: true };
    if (parts === undefined && !this.#exempt.has(ns) && this.namespaceCount >= this.#maxNamespaces) {
      return { ok: false, limit: this.#maxNamespaces };
    }
    const name = utf8.encode(ns);
    const marker = this.#markerPending;
    await this.#storage.batch([
      { type: 'put', ns: NAMESPACE_INDEX, key: { partition: 0, key: name }, value: ONE },
      { type: 'put', ns: PARTITION_INDEX, key: { partition, key: name }, value: ONE },
      ...(marker ? [{ type: 'put' as const, ns: NAMESPACE_INDEX, key: INDEX_VERSION, value: ONE }] : []),
    ]);
    if (marker) this.#markerPending = false;
    this.#partitionsOf(ns).add(partition);
    return { ok: true };
  }

  /**
   * Unlist `partition` of `ns` if storage holds nothing there (and the namespace, if that was its last
   * partition). Gives up, returning false, if a write to `ns` is in flight or starts meanwhile.
   */
  async forgetIfEmpty(ns: Namespace, partition: number): Promise<boolean> {
    if (!this.holds(ns, partition) || this.#removing.has(ns)) return false;
    const e = this.#epoch.get(ns);
    if (e !== undefined && e.inFlight > 0) return false;
    const startedBefore = e?.started ?? 0;
    let forgot = false;
    const run = (async () => {
      for await (const _ of this.#storage.iterate(ns, { partition })) return;
      const now = this.#epoch.get(ns)?.started ?? 0;
      if (now !== startedBefore) return;
      const name = utf8.encode(ns);
      const parts = this.#partitionsOf(ns);
      const last = parts.size === 1 && parts.has(partition);
      await this.#storage.batch([
        { type: 'del', ns: PARTITION_INDEX, key: { partition, key: name } },
        ...(last ? [{ type: 'del' as const, ns: NAMESPACE_INDEX, key: { partition: 0, key: name } }] : []),
      ]);
      parts.delete(partition);
      if (parts.size === 0) this.#held.delete(ns);
      forgot = true;
    })();
    this.#removing.set(
      ns,
      run.then(
        () => {},
        () => {},
      ),
    );
    try {
      await run;
    } finally {
      this.#removing.delete(ns);
      if (this.#epoch.get(ns)?.inFlight === 0) this.#epoch.delete(ns);
    }
    return forgot;
  }

  #partitionsOf(ns: Namespace): Set<number> {
    let parts = this.#held.get(ns);
    if (parts === undefined) {
      parts = new Set();
      this.#held.set(ns, parts);
    }
    return parts;
  }
}

const ONE = Uint8Array.of(1);
