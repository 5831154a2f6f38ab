import { type IterateOptions, type Namespace, StorageError, type StoreKey } from './storage.js';

/**
 * Engine key layout: `u8 nsLength | ns UTF-8 | u32 BE partition | key`.
 * The length prefix keeps namespaces prefix-free (`a` never matches `ab`), and the big-endian partition
 * makes byte order equal numeric order, so one partition is one contiguous range in every sorted engine.
 */

export const MAX_NAMESPACE_BYTES = 255;
export const MAX_PARTITION = 0xffff_ffff;
/** Below stock LMDB's 511-byte key limit with room for the prefix, so every engine accepts the same keys. */
export const MAX_KEY_BYTES = 240;

/**
 * Why `key` cannot be a client key, or undefined: 1..MAX_KEY_BYTES bytes. The one key limit, checked by the
 * coordinator before a request runs and by the replica service for what peers send.
 */
export function keyError(key: Uint8Array): string | undefined {
  return key.length === 0 || key.length > MAX_KEY_BYTES
    ? `key must be 1..${MAX_KEY_BYTES} bytes, got ${key.length}`
    : undefined;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function encodeNamespace(ns: Namespace): Uint8Array {
  const b = utf8.encode(ns);
  if (b.length === 0 || b.length > MAX_NAMESPACE_BYTES) {
    throw new StorageError('invalid-argument', `namespace must be 1..${MAX_NAMESPACE_BYTES} UTF-8 bytes`);
  }
  const out = new Uint8Array(1 + b.length);
  out[0] = b.length;
  out.set(b, 1);
  return out;
}

function checkPartition(partition: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition > MAX_PARTITION) {
    throw new StorageError('invalid-argument', `partition must be an integer in 0..${MAX_PARTITION}`);
  }
}

/** `ns | partition`: the prefix every key of one partition shares. */
export function partitionPrefix(ns: Namespace, partition: number): Uint8Array {
  checkPartition(partition);
  const n = encodeNamespace(ns);
  const out = new Uint8Array(n.length + 4);
  out.set(n, 0);
  new DataView(out.buffer).setUint32(n.length, partition, false);
  return out;
}

export function encodeKey(ns: Namespace, key: StoreKey): Uint8Array {
  if (key.key.length > MAX_KEY_BYTES) {
    throw new StorageError('invalid-argument', `key must be at most ${MAX_KEY_BYTES} bytes`);
  }
  const p = partitionPrefix(ns, key.partition);
  const out = new Uint8Array(p.length + key.key.length);
  out.set(p, 0);
  out.set(key.key, p.length);
  return out;
}

/** Inverse of `encodeKey`; `undefined` for bytes that are not a well-formed engine key. */
export function decodeKey(raw: Uint8Array): { readonly ns: Namespace; readonly key: StoreKey } | undefined {
  const nsLen = raw[0];
  if (nsLen === undefined || nsLen === 0 || raw.length < 1 + nsLen + 4) return undefined;
  let ns: string;
  try {
    ns = utf8Decoder.decode(raw.subarray(1, 1 + nsLen));
  } catch {
    return undefined;
  }
  const partition = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(1 + nsLen, false);
  // Copy: engines may hand out views of buffers they reuse.
  return { ns, key: { partition, key: raw.slice(1 + nsLen + 4) } };
}

/** The smallest byte string greater than every string starting with `prefix`; undefined if none exists. */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const b = prefix[i]!;
    if (b !== 0xff) {
      const out = prefix.slice(0, i + 1);
      out[i] = b + 1;
      return out;
    }
  }
  return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Engine key range [gte, lt) for a scan; `lt` undefined means unbounded above. */
export interface RawRange {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array | undefined;
}

export function scanRange(ns: Namespace, options: IterateOptions = {}): RawRange {
  if (options.partition === undefined) {
    const n = encodeNamespace(ns);
    return { gte: n, lt: prefixEnd(n) };
  }
  const p = partitionPrefix(ns, options.partition);
  if ('prefix' in options && options.prefix !== undefined) {
    const start = concat(p, options.prefix);
    return { gte: start, lt: prefixEnd(start) };
  }
  const bounds = options as { readonly gte?: Uint8Array; readonly lt?: Uint8Array };
  return {
    gte: bounds.gte === undefined ? p : concat(p, bounds.gte),
    lt: bounds.lt === undefined ? prefixEnd(p) : concat(p, bounds.lt),
  };
}

/** Unsigned lexicographic byte order, the order of every engine here. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
