import { hash64, u64Hex } from '../runtime/hash64.js';
import { MAX_KEY_BYTES, MAX_NAMESPACE_BYTES } from '../storage/layout.js';
import { decodeSet } from '../versioning/dvvset-codec.js';
import { ByteReader, ByteWriter } from '../versioning/varint.js';
import type { VSet } from './replica.js';

/** What a store rumor carries: one version of one key (data rumors and the global namespace alike). */
export interface RumorPayload {
  readonly ns: string;
  readonly partition: number;
  readonly key: Uint8Array;
  readonly set: VSet;
}

/**
 * `ns | partition | key | set` (the set as its canonical bytes) and the rumor's id, the payload's hash: one
 * rumor per version of a key, whoever spreads it.
 */
export function encodeRumorPayload(
  ns: string,
  partition: number,
  key: Uint8Array,
  setBytes: Uint8Array,
): { readonly id: string; readonly payload: Uint8Array } {
  const w = new ByteWriter();
  w.string(ns);
  w.varint(partition);
  w.bytes(key);
  w.bytes(setBytes);
  const payload = w.finish();
  return { id: `r${u64Hex(hash64(payload))}`, payload };
}

/** Never throws: anything malformed, oversized or in a reserved namespace is undefined. */
export function decodeRumorPayload(payload: Uint8Array): RumorPayload | undefined {
  const r = new ByteReader(payload);
  const ns = r.string(MAX_NAMESPACE_BYTES);
  const partition = ns === undefined ? undefined : r.varint();
  const key = partition === undefined ? undefined : r.bytes(MAX_KEY_BYTES);
  const setBytes = key === undefined ? undefined : r.bytes(payload.length);
  if (ns === undefined || partition === undefined || key === undefined || setBytes === undefined)
    return undefined;
  if (r.remaining !== 0 || ns.length === 0 || ns.startsWith('\u0000')) return undefined;
  if (key.length === 0 || partition > 0xffff_ffff) return undefined;
  const d = decodeSet(setBytes);
  return d.ok ? { ns, partition, key, set: d.value } : undefined;
}
