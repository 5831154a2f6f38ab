/**
 * The ring's one 64-bit hash: FNV-1a 64 over the bytes, finished by MurmurHash3's `fmix64` avalanche.
 * Both are public, fixed algorithms, so every node (and every future build) computes the same value:
 * partition placement and rendezvous weights are wire-stable facts, not implementation details.
 *
 * Why this construction: FNV-1a runs on two 32-bit halves with `Math.imul`, no BigInt and no allocation,
 * and measured ~10× faster than `node:crypto` SHA-1 on short keys (see docs/ring.md). FNV-1a alone mixes
 * its low bits poorly (the low byte of a product depends only on the low bytes of its operands), and
 * `mod Q` reads exactly those bits, so `fmix64` spreads every input bit over every output bit first.
 *
 * A 64-bit value is carried as two unsigned 32-bit halves (`hi`, `lo`), each in [0, 2^32).
 */

/** FNV-1a 64 offset basis 0xcbf29ce484222325 (Fowler/Noll/Vo), as halves. */
const FNV_OFFSET_HI = 0xcbf29ce4;
const FNV_OFFSET_LO = 0x84222325;
/** FNV 64 prime is 2^40 + 0x1b3; multiplying by it is `x·0x1b3 + (x << 40)`. */
const FNV_PRIME_LO = 0x1b3;
const TWO_POW_32 = 0x1_0000_0000;

/** fmix64 multipliers 0xff51afd7ed558ccd and 0xc4ceb9fe1a85ec53 (MurmurHash3, Austin Appleby), as halves. */
const FMIX_C1_HI = 0xff51afd7;
const FMIX_C1_LO = 0xed558ccd;
const FMIX_C2_HI = 0xc4ceb9fe;
const FMIX_C2_LO = 0x1a85ec53;

/** An unsigned 64-bit value as two unsigned 32-bit halves. */
export interface U64 {
  readonly hi: number;
  readonly lo: number;
}

/** Mutable scratch state while hashing; never escapes this module's callers as shared state. */
export interface FnvState {
  hi: number;
  lo: number;
}

export function fnvInit(): FnvState {
  return { hi: FNV_OFFSET_HI, lo: FNV_OFFSET_LO };
}

/** Feeds one byte: xor, then multiply by the FNV prime modulo 2^64. */
export function fnvByte(s: FnvState, byte: number): void {
  const lo = (s.lo ^ byte) >>> 0;
  // lo·0x1b3 < 2^41: exact in a double, so its high part is the carry into `hi`.
  const product = lo * FNV_PRIME_LO;
  s.hi = (Math.floor(product / TWO_POW_32) + Math.imul(s.hi, FNV_PRIME_LO) + (lo << 8)) >>> 0;
  s.lo = product >>> 0;
}

/** Same arithmetic as `fnvByte`, inlined on locals: long keys spend all their time in this loop. */
export function fnvBytes(s: FnvState, bytes: Uint8Array): void {
  let hi = s.hi;
  let lo = s.lo;
  for (let i = 0; i < bytes.length; i++) {
    const x = (lo ^ (bytes[i] as number)) >>> 0;
    const product = x * FNV_PRIME_LO;
    hi = (Math.floor(product / TWO_POW_32) + Math.imul(hi, FNV_PRIME_LO) + (x << 8)) >>> 0;
    lo = product >>> 0;
  }
  s.hi = hi;
  s.lo = lo;
}

/** Feeds a string as UTF-8 without allocating a buffer (hot path: every key and member id). */
export function fnvUtf8(s: FnvState, text: string): void {
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      fnvByte(s, c);
      continue;
    }
    if (c < 0x800) {
      fnvByte(s, 0xc0 | (c >> 6));
      fnvByte(s, 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        fnvByte(s, 0xf0 | (c >> 18));
        fnvByte(s, 0x80 | ((c >> 12) & 0x3f));
        fnvByte(s, 0x80 | ((c >> 6) & 0x3f));
        fnvByte(s, 0x80 | (c & 0x3f));
        continue;
      }
    }
    // A lone surrogate encodes as U+FFFD, exactly as TextEncoder / Buffer.from do.
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    fnvByte(s, 0xe0 | (c >> 12));
    fnvByte(s, 0x80 | ((c >> 6) & 0x3f));
    fnvByte(s, 0x80 | (c & 0x3f));
  }
}

/** Feeds a 32-bit unsigned integer as 4 big-endian bytes. */
export function fnvU32(s: FnvState, value: number): void {
  fnvByte(s, (value >>> 24) & 0xff);
  fnvByte(s, (value >>> 16) & 0xff);
  fnvByte(s, (value >>> 8) & 0xff);
  fnvByte(s, value & 0xff);
}

/** (a · b) mod 2^64 on halves; the 32×32 low product is split into 16-bit limbs to stay exact. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): U64 {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = ((mid << 16) | (p00 & 0xffff)) >>> 0;
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 0x10000);
  const hi = (carry + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
  return { hi, lo };
}

/** MurmurHash3 fmix64: x ^= x >> 33; x *= C1; x ^= x >> 33; x *= C2; x ^= x >> 33. */
export function fmix64(x: U64): U64 {
  let hi = x.hi;
  let lo = (x.lo ^ (hi >>> 1)) >>> 0;
  let m = mul64(hi, lo, FMIX_C1_HI, FMIX_C1_LO);
  hi = m.hi;
  lo = (m.lo ^ (hi >>> 1)) >>> 0;
  m = mul64(hi, lo, FMIX_C2_HI, FMIX_C2_LO);
  hi = m.hi;
  lo = (m.lo ^ (hi >>> 1)) >>> 0;
  return { hi, lo };
}

/** Plain FNV-1a 64 of `bytes` (checked against the reference vectors in the tests). */
export function fnv1a64(bytes: Uint8Array | string): U64 {
  const s = fnvInit();
  if (typeof bytes === 'string') fnvUtf8(s, bytes);
  else fnvBytes(s, bytes);
  return { hi: s.hi, lo: s.lo };
}

/** The ring hash: fmix64(FNV-1a 64(bytes)). Strings hash as their UTF-8 bytes. */
export function hash64(bytes: Uint8Array | string): U64 {
  return fmix64(fnv1a64(bytes));
}

/** Lowercase 16-digit hex, for test vectors and debugging. */
export function u64Hex(x: U64): string {
  return x.hi.toString(16).padStart(8, '0') + x.lo.toString(16).padStart(8, '0');
}
