import { fmix64, fnvByte, fnvBytes, fnvInit, fnvU32, type U64 } from '../runtime/hash64.js';

/**
 * The Merkle tree's hashes, all built on hash64 (FNV-1a 64 finished by fmix64, `runtime/hash64.ts`, shared with the ring):
 * public fixed algorithms, so two nodes (and two releases) compute the same tree from the same data. These
 * functions are wire-stable: changing one makes every exchange between old and new nodes see differences
 * everywhere. Test vectors pin them (`merkle-hash.test.ts`).
 *
 *   segment(k)     = top log2(segments) bits of hash64(0x53 ‖ k)
 *   entry(k, v)    = hash64(0x45 ‖ u32be(|k|) ‖ k ‖ v) ‖ hash64(0x65 ‖ u32be(|v|) ‖ v ‖ k)     128 bits
 *   leaf           = XOR of entry(k, v) over the segment's entries (0 when empty)
 *   node(c₀…c_f−1) = 0 if every child is 0, else hash64(0x4e ‖ c₀ ‖ … ‖ c_f−1) ‖ hash64(0x6e ‖ c₀ ‖ …)
 *
 * A 128-bit hash is carried as four u32 words (big-endian order: the first half's hi, lo, then the second
 * half's) and exported as 16 big-endian bytes.
 *
 * Why these choices: the segment hash has its own prefix byte so that a partition's keys (which share
 * hash64(k) mod Q) still spread over all segments. Every 128-bit hash is two hash64 runs that start with
 * different prefix bytes, so its halves are different functions of the same input (even when key = version).
 * The entry hash also feeds the fields in opposite orders, as a second source of difference between the
 * halves, and puts the first field's length in front, so (key "ab", version "c") and (key "a", version "bc")
 * differ. A node over empty children is 0, so an empty
 * subtree (and the empty tree's root) is all zeros and costs no hashing.
 */

export const HASH_BYTES = 16;
/** u32 words per 128-bit hash. */
export const HASH_WORDS = 4;

const SEGMENT_PREFIX = 0x53;
const ENTRY_PREFIX_FIRST = 0x45;
const ENTRY_PREFIX_SECOND = 0x65;
const NODE_PREFIX_FIRST = 0x4e;
const NODE_PREFIX_SECOND = 0x6e;

const utf8 = new TextEncoder();

/** A key's bytes: a string key hashes as its UTF-8 encoding, like the ring's. */
export function keyBytes(key: Uint8Array | string): Uint8Array {
  return typeof key === 'string' ? utf8.encode(key) : key;
}

/** The segment (in [0, segments)) holding `key`; `segments` is a validated power of two. */
export function segmentOfKey(key: Uint8Array, segments: number): number {
  const bits = 31 - Math.clz32(segments);
  if (bits === 0) return 0; // `x >>> 32` is `x >>> 0` in JS, not 0
  const s = fnvInit();
  fnvByte(s, SEGMENT_PREFIX);
  fnvBytes(s, key);
  return fmix64(s).hi >>> (32 - bits);
}

/** XORs entry(key, version) into target[offset … offset + 3]: adds the entry to a leaf, or removes it. */
export function xorEntryHash(
  target: Uint32Array,
  offset: number,
  key: Uint8Array,
  version: Uint8Array,
): void {
  const a = fnvInit();
  fnvByte(a, ENTRY_PREFIX_FIRST);
  fnvU32(a, key.length);
  fnvBytes(a, key);
  fnvBytes(a, version);
  const first = fmix64(a);
  const b = fnvInit();
  fnvByte(b, ENTRY_PREFIX_SECOND);
  fnvU32(b, version.length);
  fnvBytes(b, version);
  fnvBytes(b, key);
  const second = fmix64(b);
  target[offset] = (target[offset] as number) ^ first.hi;
  target[offset + 1] = (target[offset + 1] as number) ^ first.lo;
  target[offset + 2] = (target[offset + 2] as number) ^ second.hi;
  target[offset + 3] = (target[offset + 3] as number) ^ second.lo;
}

/** entry(key, version) as 16 bytes (for tests and debugging; the tree XORs in place). */
export function entryHash(key: Uint8Array | string, version: Uint8Array): Uint8Array {
  const words = new Uint32Array(HASH_WORDS);
  xorEntryHash(words, 0, keyBytes(key), version);
  return hashToBytes(words, 0);
}

/**
 * Writes node(children) to out[outOffset … + 3], where the children are the `count` consecutive hashes
 * starting at word `from` of `children`.
 */
export function writeNodeHash(
  children: Uint32Array,
  from: number,
  count: number,
  out: Uint32Array,
  outOffset: number,
): void {
  const end = from + count * HASH_WORDS;
  let any = 0;
  for (let w = from; w < end; w++) any |= children[w] as number;
  if (any === 0) {
    out.fill(0, outOffset, outOffset + HASH_WORDS);
    return;
  }
  const first = hashWords(NODE_PREFIX_FIRST, children, from, end);
  const second = hashWords(NODE_PREFIX_SECOND, children, from, end);
  out[outOffset] = first.hi;
  out[outOffset + 1] = first.lo;
  out[outOffset + 2] = second.hi;
  out[outOffset + 3] = second.lo;
}

function hashWords(prefix: number, words: Uint32Array, from: number, end: number): U64 {
  const s = fnvInit();
  fnvByte(s, prefix);
  for (let w = from; w < end; w++) fnvU32(s, words[w] as number);
  return fmix64(s);
}

/** The hash at words[offset … offset + 3] as 16 big-endian bytes (a copy). */
export function hashToBytes(words: Uint32Array, offset: number): Uint8Array {
  const out = new Uint8Array(HASH_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < HASH_WORDS; i++) view.setUint32(i * 4, words[offset + i] as number);
  return out;
}

/** Byte equality of two hashes (any lengths: a short or long peer hash is simply unequal). */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
