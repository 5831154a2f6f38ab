import { LRUCache } from 'lru-cache';
import { GLOBAL_NAMESPACE } from '../replica/global-namespace.js';
import type { VSet } from '../replica/replica.js';
import { greatestDotSibling } from '../versioning/resolve.js';
import { liveValues, type VersionedValue } from '../versioning/versioned-value.js';
import {
  type NamespaceConfig,
  type NamespaceDefaults,
  namespaceConfig,
  namespaceConfigErrors,
  namespaceNameError,
} from './namespace-config.js';
import { MAX_REPLICAS } from './quorum.js';

/**
 * Cluster-wide namespace settings (docs/http.md, "Cluster settings"): the schema of the `_global` namespace's
 * keys, the check a write to it passes before it is stored, and a namespace's effective settings — the node
 * config's defaults, then its `store.namespaces` entry, then the cluster override under `ns/<name>`.
 *
 * The schema is closed, like Riak's bucket-type properties: a key or field nobody reads is refused at the door
 * (400) instead of being stored with no effect, so a typo is an error the operator sees.
 */

/** The settings of namespace `<name>` live under `ns/<name>`. */
const SETTINGS_PREFIX = 'ns/';
export const SETTINGS_FIELDS: readonly (keyof NamespaceConfig)[] = ['n', 'r', 'w', 'strict', 'conflict'];
/** Every key form `_global` accepts, for error messages and docs. */
export const GLOBAL_KEY_FORMS = `ns/<name> (settings of namespace <name>: a JSON object with any of ${SETTINGS_FIELDS.join(', ')})`;

const utf8 = new TextEncoder();
/** Fatal: a key that is not UTF-8 could never be the encoding of a namespace name. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function settingsKey(ns: string): Uint8Array {
  return utf8.encode(`${SETTINGS_PREFIX}${ns}`);
}

export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

/** The namespace a `_global` key holds the settings of, or why the key is outside the schema. */
export function parseGlobalKey(key: Uint8Array): Checked<string> {
  let text: string;
  try {
    text = strictUtf8.decode(key);
  } catch {
    return { ok: false, error: `_global key is not UTF-8; known keys: ${GLOBAL_KEY_FORMS}` };
  }
  if (!text.startsWith(SETTINGS_PREFIX))
    return {
      ok: false,
      error: `unknown _global key ${JSON.stringify(text)}; known keys: ${GLOBAL_KEY_FORMS}`,
    };
  const name = text.slice(SETTINGS_PREFIX.length);
  if (name === GLOBAL_NAMESPACE) {
    return {
      ok: false,
      error: `_global key ${JSON.stringify(text)}: ${GLOBAL_NAMESPACE} itself has no settings (n = all)`,
    };
  }
  const bad = namespaceNameError(name);
  if (bad !== undefined) return { ok: false, error: `_global key ${JSON.stringify(text)}: ${bad}` };
  return { ok: true, value: name };
}

/** A JSON value as an error shows it: its type and (short) text, e.g. `the string "3"`. */
export function describeJson(v: unknown): string {
  const text = JSON.stringify(v);
  const short = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  if (v === null) return 'null';
  if (Array.isArray(v)) return `the array ${short}`;
  if (typeof v === 'object') return `the object ${short}`;
  return `the ${typeof v} ${short}`;
}

// Quorum spellings as in `?r=`/`?w=` (resolveQuorum): canonical decimal, no sign, no leading zeros.
const QUORUM_WORDS = ['one', 'quorum', 'all'];
const POSITIVE_INTEGER = /^[1-9][0-9]*$/;

/**
 * One field's JSON value as the config holds it. Types are exact (`"3"` is not a number, `1` not a boolean);
 * a quorum may be a JSON integer or any string `?r=` accepts, and is kept as that string.
 */
function parseField(field: keyof NamespaceConfig, v: unknown): Checked<NamespaceConfig[typeof field]> {
  const got = `got ${describeJson(v)}`;
  switch (field) {
    case 'n':
      return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_REPLICAS
        ? { ok: true, value: v }
        : { ok: false, error: `n must be an integer in [1, ${MAX_REPLICAS}], ${got}` };
    case 'r':
    case 'w':
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) return { ok: true, value: String(v) };
      if (typeof v === 'string' && (QUORUM_WORDS.includes(v) || POSITIVE_INTEGER.test(v)))
        return { ok: true, value: v };
      return { ok: false, error: `${field} must be one, quorum, all or a positive integer, ${got}` };
    case 'strict':
      return typeof v === 'boolean'
        ? { ok: true, value: v }
        : { ok: false, error: `strict must be true or false, ${got}` };
    case 'conflict':
      return v === 'siblings' || v === 'lww'
        ? { ok: true, value: v }
        : { ok: false, error: `conflict must be "siblings" or "lww", ${got}` };
  }
}

/** A settings value: a JSON object of known fields with values of the right type (every problem listed). */
export function parseSettingsValue(bytes: Uint8Array): Checked<Partial<NamespaceConfig>> {
  let v: unknown;
  try {
    v = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return { ok: false, error: 'namespace settings must be a JSON object, got text that is not JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    return { ok: false, error: `namespace settings must be a JSON object, got ${describeJson(v)}` };
  const entries = Object.entries(v);
  const unknown = entries.map(([k]) => k).filter((k) => !(SETTINGS_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    const known = SETTINGS_FIELDS.join(', ');
    return { ok: false, error: `unknown namespace settings ${unknown.join(', ')} (known: ${known})` };
  }
  const out: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [k, raw] of entries) {
    const f = parseField(k as keyof NamespaceConfig, raw);
    if (f.ok) out[k] = f.value;
    else errors.push(f.error);
  }
  return errors.length > 0 ? { ok: false, error: errors.join('; ') } : { ok: true, value: out };
}

/** What a `_global` write's check needs to know about this node. */
export interface GlobalWriteContext {
  readonly config: NamespaceDefaults;
  /** The key's current set here (a delete outside the schema may only clean up a key that holds a value). */
  readonly current: VSet | undefined;
  /** Members that own partitions in this node's ring (failed ones included, left ones not). */
  readonly owners: number;
}

/**
 * Why a write to `_global` must be refused (400), or undefined to store it. A settings value must parse, must
 * not ask for more replicas than there are owners (an N the ring cannot place would silently run with fewer),
 * and must give a valid namespace config over this node's config (quorums within N, strict mode's rules).
 * Deleting a settings key removes the override. Deleting a key outside the schema is refused too, except a key
 * that holds a value here: one stored before the schema was enforced can still be cleaned up.
 */
export function checkGlobalWrite(
  key: Uint8Array,
  value: VersionedValue,
  c: GlobalWriteContext,
): string | undefined {
  const name = parseGlobalKey(key);
  if (value.kind === 'tombstone') {
    const holdsValue = c.current !== undefined && liveValues(c.current).length > 0;
    return name.ok || holdsValue ? undefined : name.error;
  }
  if (!name.ok) return name.error;
  const prefix = `settings ${SETTINGS_PREFIX}${name.value}`;
  const override = parseSettingsValue(value.bytes);
  if (!override.ok) return `${prefix}: ${override.error}`;
  const n = override.value.n;
  if (n !== undefined && n > c.owners) {
    return (
      `${prefix}: n ${n} is more than the ${c.owners} member${c.owners === 1 ? '' : 's'} that own partitions ` +
      'in this cluster; add members first'
    );
  }
  const errors = namespaceConfigErrors({ ...namespaceConfig(c.config, name.value), ...override.value });
  return errors.length === 0 ? undefined : `${prefix}: ${errors.map((e) => e.error).join('; ')}`;
}

/** The part of the global namespace settings are read from. */
export interface GlobalSettingsView {
  get(key: Uint8Array): VSet | undefined;
  entries(): Iterable<{ readonly key: Uint8Array; readonly set: VSet }>;
}

type StoredOverride =
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly value: Partial<NamespaceConfig> }
  | { readonly kind: 'ignored'; readonly error: string };

/**
 * Parsed overrides cached, at most: one per stored `ns/<name>` set, process-wide (the simulator runs several
 * nodes in one process, each holding its own sets). Four times the default namespace cap per node
 * (DEFAULT_MAX_NAMESPACES, 1,024), so a few simulated nodes with every namespace overridden still hit. Past it
 * the set looked up least recently is forgotten; a miss costs one JSON parse, never a wrong answer. The cache
 * holds its sets strongly, so a replaced set stays in memory until evicted: a bounded few hundred KiB.
 */
export const MAX_PARSED_OVERRIDES = 4096;

/**
 * Sets are immutable and replaced on every change, so a parse is cached per set (by identity): reads are per
 * request. lru-cache bounded by count, no TTL (a set never changes, and lru-cache then reads no clock).
 */
const parsed = new LRUCache<VSet, StoredOverride>({ max: MAX_PARSED_OVERRIDES });

/** How many parsed overrides are cached (at most MAX_PARSED_OVERRIDES); for tests and diagnostics. */
export function cachedOverrides(): number {
  return parsed.size;
}

/**
 * The override a stored set holds: its greatest-dot sibling (every node picks the same), unless deleted or
 * not a valid settings value (one stored before the schema was enforced), which is ignored.
 */
function storedOverride(set: VSet | undefined): StoredOverride {
  if (set === undefined) return { kind: 'none' };
  const cached = parsed.get(set);
  if (cached !== undefined) return cached;
  const v = greatestDotSibling(set);
  let out: StoredOverride;
  if (v === undefined || v.kind !== 'value') out = { kind: 'none' };
  else {
    const p = parseSettingsValue(v.bytes);
    out = p.ok ? { kind: 'ok', value: p.value } : { kind: 'ignored', error: p.error };
  }
  parsed.set(set, out);
  return out;
}

/** A namespace's effective settings on this node. */
export function effectiveSettings(
  config: NamespaceDefaults,
  global: GlobalSettingsView,
  ns: string,
): NamespaceConfig {
  const base = namespaceConfig(config, ns);
  const o = storedOverride(global.get(settingsKey(ns)));
  return o.kind === 'ok' ? { ...base, ...o.value } : base;
}

/** Where an effective value comes from: the store's defaults, the node's `store.namespaces`, or `_global`. */
export type SettingsSource = 'default' | 'node-config' | 'cluster';

export interface NamespaceDescription {
  readonly name: string;
  readonly settings: NamespaceConfig;
  readonly source: Readonly<Record<keyof NamespaceConfig, SettingsSource>>;
  /** Why a stored `ns/<name>` value is not applied (it predates the schema check), when one is not. */
  readonly ignoredOverride?: string;
}

export interface NamespacesReport {
  /** What any namespace not listed gets. */
  readonly defaults: NamespaceConfig;
  readonly namespaces: readonly NamespaceDescription[];
}

/**
 * Every namespace this node knows (`GET /cluster/namespaces`): those with a cluster override, those in its
 * config, and those it holds data in (`held`), sorted by name, each with its effective settings and the source
 * of each value. `_global` itself is left out: it has no settings (n = all).
 */
export function describeNamespaces(
  config: NamespaceDefaults,
  global: GlobalSettingsView,
  held: Iterable<string>,
): NamespacesReport {
  const names = new Set<string>([...Object.keys(config.namespaces), ...held]);
  for (const { key, set } of global.entries()) {
    const name = parseGlobalKey(key);
    if (name.ok && storedOverride(set).kind !== 'none') names.add(name.value);
  }
  names.delete(GLOBAL_NAMESPACE);
  const namespaces = [...names].sort().map((name): NamespaceDescription => {
    const local = config.namespaces[name] ?? {};
    const o = storedOverride(global.get(settingsKey(name)));
    const cluster = o.kind === 'ok' ? o.value : {};
    const source = Object.fromEntries(
      SETTINGS_FIELDS.map((f) => [
        f,
        cluster[f] !== undefined ? 'cluster' : local[f] !== undefined ? 'node-config' : 'default',
      ]),
    ) as Record<keyof NamespaceConfig, SettingsSource>;
    return {
      name,
      settings: { ...config.defaults, ...local, ...cluster },
      source,
      ...(o.kind === 'ignored' ? { ignoredOverride: o.error } : {}),
    };
  });
  return { defaults: config.defaults, namespaces };
}
