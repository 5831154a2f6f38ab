import { MAX_NAMESPACE_BYTES } from '../storage/layout.js';
import { MAX_REPLICAS, resolveQuorum, strictModeCheck } from './quorum.js';

/**
 * A namespace's settings (N, R, W, strict, conflict resolution): the store's defaults, overridden per
 * namespace by the node config and then cluster-wide by `_global` (namespace-settings.ts). A request may
 * override R and W (`?r=`, `?w=`) but never N.
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

/** The node config's part that namespace settings start from. */
export interface NamespaceDefaults {
  /** Settings of every namespace not listed in `namespaces`. */
  readonly defaults: NamespaceConfig;
  /** Per-namespace overrides of `defaults`. */
  readonly namespaces: Readonly<Record<string, Partial<NamespaceConfig>>>;
}

/** The settings of `ns`: its overrides over the defaults. */
export function namespaceConfig(config: NamespaceDefaults, ns: string): NamespaceConfig {
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
