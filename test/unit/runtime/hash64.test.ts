import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmix64, fnv1a64, hash64, u64Hex } from '../../../src/runtime/hash64.js';

const MASK64 = (1n << 64n) - 1n;
const toBig = (x: { hi: number; lo: number }): bigint => (BigInt(x.hi) << 32n) | BigInt(x.lo);

/** Straightforward BigInt references: slow, but obviously the published algorithms. */
function fnvReference(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & MASK64;
  return h;
}
function fmixReference(x: bigint): bigint {
  let h = x;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & MASK64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & MASK64;
  return h ^ (h >> 33n);
}

describe('hash64 (FNV-1a 64 finished by MurmurHash3 fmix64)', () => {
  it('FNV-1a 64 matches the published reference vectors', () => {
    // From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv).
    expect(u64Hex(fnv1a64(''))).toBe('cbf29ce484222325');
    expect(u64Hex(fnv1a64('a'))).toBe('af63dc4c8601ec8c');
    expect(u64Hex(fnv1a64('foobar'))).toBe('85944171f73967e8');
  });

  it('fmix64 matches MurmurHash3 (fmix64(0) = 0, fmix64(1) = b456bcfc34c2cb2c)', () => {
    expect(u64Hex(fmix64({ hi: 0, lo: 0 }))).toBe('0000000000000000');
    expect(u64Hex(fmix64({ hi: 0, lo: 1 }))).toBe('b456bcfc34c2cb2c');
  });

  it('the 32-bit-halves arithmetic equals a BigInt reference on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(toBig(fnv1a64(bytes))).toBe(fnvReference(bytes));
        expect(toBig(hash64(bytes))).toBe(fmixReference(fnvReference(bytes)));
      }),
    );
  });

  it('fmix64 equals the BigInt reference on arbitrary 64-bit inputs', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MASK64 }), (x) => {
        const got = fmix64({ hi: Number(x >> 32n), lo: Number(x & 0xffffffffn) });
        expect(toBig(got)).toBe(fmixReference(x));
      }),
    );
  });

  it('a string hashes as its UTF-8 bytes, lone surrogates included', () => {
    const encoder = new TextEncoder();
    fc.assert(
      // Arbitrary UTF-16 code units: valid pairs, lone surrogates and everything in between.
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 24 }), (units) => {
        const s = String.fromCharCode(...units);
        expect(hash64(s)).toEqual(hash64(encoder.encode(s)));
      }),
    );
    for (const s of ['\ud800x', 'x\udc00', '🔑ключ', '\u07ff\u0800\uffff']) {
      expect(hash64(s)).toEqual(hash64(encoder.encode(s)));
    }
  });
});
