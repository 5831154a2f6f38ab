import { MAX_SEGMENTS } from '../antientropy/config.js';
import { DEFAULT_MAX_TREES } from '../antientropy/partition-trees.js';
import { DEFAULT_REPLICAS, MAX_REPLICAS, resolveQuorum, strictModeCheck } from '../coordinator/quorum.js';
import { DEFAULT_MAX_NAMESPACES } from '../replica/partition-index.js';
import { DEFAULT_PARTITIONS, MAX_PARTITIONS } from '../ring/config.js';
import { MAX_KEY_BYTES, MAX_NAMESPACE_BYTES } from '../storage/layout.js';

/**
 * Every tunable of the store (DESIGN.md §6–§9) in one typed object, with Riak's or Cassandra's name for it
 * where one exists. Per-namespace settings (N, R, W, strict) default to `defaults` and may be overridden per
 * namespace in `namespaces`; a request may override R and W (`?r=`, `?w=`) but never N.
 */
export interface NamespaceConfig {
  /** Replicas per key (Riak `n_val`). Changing it for a namespace holding data needs a repair pass. */
  readonly n: number;
  /** Default read quorum: `one`, `quorum`, `all` or an integer ≤ n (Riak `r`). */
  readonly r: string;
  /** Default write quorum, same forms (Riak `w`). */
  readonly w: string;
  /**
   * Strict mode: no sloppy quorum (only primaries count), W + R > N enforced per request, writes first read
   * a quorum's clock, reads write back before answering (ABD), and concurrent siblings resolve to the one
   * with the greatest dot. Single-key reads and writes are then linearizable (docs/consistency.md); the
   * price is availability (503 when fewer than W or R primaries answer) and one extra round trip per write.
   */
  readonly strict: boolean;
  /**
   * How concurrent writes resolve. `siblings` (default): all are kept and a read returns them all (300) until
   * a write with their context merges them (Riak `allow_mult`). `lww`: every write is stamped with the
   * coordinator's hybrid logical clock and a read returns only the latest; concurrent writes are silently
   * dropped, and a node whose clock runs ahead wins over later writes elsewhere — use it only for data
   * where that is acceptable (caches, sessions). Not combinable with `strict`.
   */
  readonly conflict: 'siblings' | 'lww';
}

export interface KvConfig {
  /** Ring size Q; must be equal on every node for the life of the data (see RingConfig). */
  readonly partitions: number;
  /** Settings of every namespace not listed in `namespaces`. */
  readonly defaults: NamespaceConfig;
  /** Per-namespace overrides of `defaults`. */
  readonly namespaces: Readonly<Record<string, Partial<NamespaceConfig>>>;
  /**
   * Default time a request waits for its quorum before answering 503 (`?timeout=` overrides per request).
   * Cassandra: read 5 s / write 2 s; Riak 60 s. Longer hides failures from clients, shorter turns GC pauses
   * of one replica into errors.
   */
  readonly requestTimeoutMs: number;
  /** Largest `?timeout=` a client may ask for. */
  readonly maxRequestTimeoutMs: number;
  /**
   * Sloppy quorum with hinted handoff (Dynamo §4.6) for non-strict namespaces: an unreachable primary is
   * replaced by the next up node of the preference list, which keeps the write as a hint. Off: writes and
   * reads count primaries only.
   */
  readonly sloppyQuorum: boolean;
  /**
   * Read repair waits before answering (`sync`) or runs after the answer (`async`, Riak's behaviour);
   * `?repair=sync` asks for it per request.
   */
  readonly readRepair: 'async' | 'sync';
  /**
   * How often a node looks for keys of partitions it no longer owns (after a join or a leave) and hands them
   * to their owners. Each pass walks every partition's key range, so not much lower than a few seconds.
   */
  readonly handoffIntervalMs: number;
  /**
   * Merkle anti-entropy: each node exchanges every partition it owns with one other owner once per interval
   * (a sweep). Shorter heals divergence sooner (the convergence bound is about two intervals) at the price
   * of one round trip per partition per interval even when all is in sync. Riak's AAE default tick: 15 s.
   */
  readonly exchangeIntervalMs: number;
  /** Most keys one exchange repairs (both directions); the rest wait for the next sweep. */
  readonly exchangeMaxKeys: number;
  /** Exchanges a sweep runs at once: the repair load anti-entropy may add next to client traffic. */
  readonly exchangeConcurrency: number;
  /**
   * Keys anti-entropy may repair per second on this node (a token bucket, burst = one second's worth), so a
   * large divergence is repaired at a steady pace instead of starving client requests.
   */
  readonly exchangeMaxKeysPerSecond: number;
  /**
   * Leaves (segments) of each partition's Merkle tree, a power of two; equal on every node. More segments
   * mean fewer keys shipped per difference and more hashes per full walk (docs/antientropy.md).
   */
  readonly merkleSegments: number;
  /**
   * Merkle trees kept in memory per node at most (about 16 bytes × merkleSegments each: 17 KiB at 1024).
   * Past it the least recently used tree is dropped and rebuilt from storage when next exchanged, so memory
   * stays bounded whatever the data's spread, at the cost of scans when more partitions hold data than fit.
   */
  readonly maxTrees: number;
  /**
   * Client namespaces a node stores data in at most (Riak buckets cost nothing; ours cost a few index
   * entries and one tree per partition holding data). A write that would add one more is refused with 409
   * and counted (hearsay_kv_namespace_limit_refusals_total). A namespace whose data is all gone (tombstones
   * reaped) stops counting.
   */
  readonly maxNamespaces: number;
  /**
   * Rumor mongering (Demers et al.: push, feedback, counter) for the global namespace and for data writes a
   * replica missed: a node stops pushing an update after `rumorK` pushes to peers that already had it.
   * Higher k leaves fewer nodes unreached (residue ≈ e^{-(k+1)}) at about k+1 messages per node
   * (`npm run bench -- rumor`). Anti-entropy catches the residue.
   */
  readonly rumorK: number;
  /** One rumor round: every hot update is pushed to `rumorFanout` random peers. */
  readonly rumorIntervalMs: number;
  readonly rumorFanout: number;
  /** Most updates being spread at once (oldest dropped first; anti-entropy still delivers them). */
  readonly rumorMaxHot: number;
  /** Largest data version rumored after a write (its encoded set); bigger ones are left to anti-entropy. */
  readonly rumorMaxBytes: number;
  /** How often hints are offered to their owners when those are up (Riak's handoff check). */
  readonly hintDeliveryIntervalMs: number;
  /** Most hints delivered per owner per interval, so a returning node is not flooded. */
  readonly hintDeliveryBatch: number;
  /**
   * How long a tombstone held by all N primaries is kept before it is reaped (Riak `delete_mode`, default
   * 3 s; Cassandra `gc_grace_seconds`). Longer protects against a late replica or hint resurrecting the
   * deleted value; shorter frees space sooner.
   */
  readonly tombstoneGraceMs: number;
  /**
   * LWW namespaces: a stamp read from a replica that is more than this ahead of our wall clock is not adopted
   * into our hybrid logical clock, so one node with a clock far in the future cannot drag every clock with it
   * (CockroachDB's max offset, default 500 ms).
   */
  readonly maxClockOffsetMs: number;
  /** Largest key in bytes (storage bound); longer keys get 400. */
  readonly maxKeyBytes: number;
  /** Largest value in bytes; larger bodies get 413 before anything is stored. Riak warns at 5 MiB. */
  readonly maxValueBytes: number;
}

const SECOND_MS = 1000;

/** The default `maxRequestTimeoutMs`; the CLI refuses a larger `--timeout` with it, so both agree. */
export const MAX_REQUEST_TIMEOUT_MS = 60 * SECOND_MS;

export function defaultKvConfig(): KvConfig {
  return {
    partitions: DEFAULT_PARTITIONS,
    defaults: { n: DEFAULT_REPLICAS, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' },
    namespaces: {},
    requestTimeoutMs: 5 * SECOND_MS,
    maxRequestTimeoutMs: MAX_REQUEST_TIMEOUT_MS,
    sloppyQuorum: true,
    readRepair: 'async',
    handoffIntervalMs: 10 * SECOND_MS,
    exchangeIntervalMs: 30 * SECOND_MS,
    rumorK: 3,
    rumorIntervalMs: 200,
    rumorFanout: 1,
    rumorMaxHot: 1024,
    rumorMaxBytes: 64 * 1024,
    exchangeMaxKeys: 1000,
    exchangeConcurrency: 2,
    exchangeMaxKeysPerSecond: 5000,
    merkleSegments: 1024,
    maxTrees: DEFAULT_MAX_TREES,
    maxNamespaces: DEFAULT_MAX_NAMESPACES,
    hintDeliveryIntervalMs: 2 * SECOND_MS,
    hintDeliveryBatch: 256,
    tombstoneGraceMs: 10 * SECOND_MS,
    maxClockOffsetMs: 500,
    maxKeyBytes: MAX_KEY_BYTES,
    maxValueBytes: 1024 * 1024,
  };
}

/** The settings of `ns`: its overrides over the defaults. */
export function namespaceConfig(config: KvConfig, ns: string): NamespaceConfig {
  return { ...config.defaults, ...(config.namespaces[ns] ?? {}) };
}

/**
 * Why `name` cannot be a client namespace, or undefined if it can: 1..MAX_NAMESPACE_BYTES UTF-8 bytes, not
 * starting with NUL (the prefix of the store's own namespaces, RESERVED_NAMESPACE_PREFIX).
 */
export function namespaceNameError(name: string): string | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes > 0 && bytes <= MAX_NAMESPACE_BYTES && !name.startsWith('\u0000')) return undefined;
  return `namespace name ${JSON.stringify(name)} must be 1..${MAX_NAMESPACE_BYTES} bytes, not reserved`;
}

/** A problem with one namespace's settings; `error` starts with the field's name unless `across` fields. */
export interface NamespaceConfigError {
  readonly error: string;
  /** A rule across fields (strict mode's W + R > N, strict with lww) rather than one bad field. */
  readonly across: boolean;
}

/** Every problem with one namespace's settings: n in [1, MAX_REPLICAS], quorums within n, strict mode's rules. */
export function namespaceConfigErrors(ns: NamespaceConfig): readonly NamespaceConfigError[] {
  const field = (error: string): NamespaceConfigError => ({ error, across: false });
  if (!(Number.isInteger(ns.n) && ns.n >= 1 && ns.n <= MAX_REPLICAS))
    return [field(`n must be an integer in [1, ${MAX_REPLICAS}], got ${ns.n}`)]; // quorums need a valid n
  const errors: NamespaceConfigError[] = [];
  const r = resolveQuorum('r', ns.r, ns.n);
  const w = resolveQuorum('w', ns.w, ns.n);
  if (!r.ok) errors.push(field(r.error));
  if (!w.ok) errors.push(field(w.error));
  if (ns.conflict !== 'siblings' && ns.conflict !== 'lww')
    errors.push(field('conflict must be siblings or lww'));
  if (typeof ns.strict !== 'boolean') errors.push(field('strict must be true or false'));
  if (ns.strict && ns.conflict === 'lww')
    errors.push({ error: 'strict mode and conflict lww are exclusive', across: true });
  if (r.ok && w.ok && ns.strict) {
    const s = strictModeCheck(ns.n, r.value, w.value);
    if (!s.ok) errors.push({ error: s.error, across: true });
  }
  return errors;
}

/** Every problem with a config, empty when valid. */
export function validateKvConfig(c: KvConfig): readonly string[] {
  const errors: string[] = [];
  const int = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!(Number.isInteger(v) && v >= min && v <= max))
      errors.push(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('partitions', c.partitions, 1, MAX_PARTITIONS);
  int('requestTimeoutMs', c.requestTimeoutMs, 1);
  int('maxRequestTimeoutMs', c.maxRequestTimeoutMs, c.requestTimeoutMs);
  int('hintDeliveryIntervalMs', c.hintDeliveryIntervalMs, 1);
  int('handoffIntervalMs', c.handoffIntervalMs, 1);
  int('exchangeIntervalMs', c.exchangeIntervalMs, 1);
  int('rumorK', c.rumorK, 1, 64);
  int('rumorIntervalMs', c.rumorIntervalMs, 1);
  int('rumorFanout', c.rumorFanout, 1, 64);
  int('rumorMaxHot', c.rumorMaxHot, 1);
  int('rumorMaxBytes', c.rumorMaxBytes, 0);
  int('exchangeMaxKeys', c.exchangeMaxKeys, 1);
  int('exchangeConcurrency', c.exchangeConcurrency, 1, 64);
  int('exchangeMaxKeysPerSecond', c.exchangeMaxKeysPerSecond, 1);
  int('merkleSegments', c.merkleSegments, 1, MAX_SEGMENTS);
  if (!(c.merkleSegments > 0 && (c.merkleSegments & (c.merkleSegments - 1)) === 0)) {
    errors.push(`merkleSegments must be a power of two, got ${c.merkleSegments}`);
  }
  int('maxTrees', c.maxTrees, 1);
  int('maxNamespaces', c.maxNamespaces, 1);
  int('hintDeliveryBatch', c.hintDeliveryBatch, 1);
  int('tombstoneGraceMs', c.tombstoneGraceMs, 0);
  int('maxClockOffsetMs', c.maxClockOffsetMs, 0);
  int('maxKeyBytes', c.maxKeyBytes, 1, MAX_KEY_BYTES);
  int('maxValueBytes', c.maxValueBytes, 1);
  if (c.readRepair !== 'async' && c.readRepair !== 'sync') errors.push(`readRepair must be async or sync`);
  const checkNs = (label: string, ns: NamespaceConfig): void => {
    for (const e of namespaceConfigErrors(ns)) errors.push(`${label}${e.across ? ': ' : '.'}${e.error}`);
  };
  checkNs('defaults', c.defaults);
  for (const [name, override] of Object.entries(c.namespaces)) {
    const bad = namespaceNameError(name);
    if (bad !== undefined) errors.push(bad);
    checkNs(`namespaces.${name}`, { ...c.defaults, ...override });
  }
  return errors;
}
