import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeContextToken, encodeContextToken } from '../../../src/versioning/context-token.js';
import type { DvvSet } from '../../../src/versioning/dvvset.js';
import { decodeSet, encodeSet } from '../../../src/versioning/dvvset-codec.js';
import { DEFAULT_VERSIONING_LIMITS } from '../../../src/versioning/limits.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { fromEntries, type VersionVector } from '../../../src/versioning/version-vector.js';
import { TOMBSTONE, type VersionedValue } from '../../../src/versioning/versioned-value.js';

const id = fc.string({ minLength: 1, maxLength: 12 }).map(replicaId);
const counter = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(Number.MAX_SAFE_INTEGER));
const vv: fc.Arbitrary<VersionVector> = fc
  .array(fc.record({ id, counter }), { maxLength: 8 })
  .map((es) => fromEntries(es));
// Last-writer-wins stamps (codec tags 2 and 3) ride along with plain values and tombstones.
const stamp = fc.record({
  wallMs: fc.oneof(fc.integer({ min: 0, max: 2 ** 42 }), fc.constant(Number.MAX_SAFE_INTEGER)),
  logical: fc.integer({ min: 0, max: 2 ** 31 }),
});
const versionedValue: fc.Arbitrary<VersionedValue> = fc.oneof(
  fc.constant(TOMBSTONE),
  fc.uint8Array({ maxLength: 32 }).map((bytes) => ({ kind: 'value' as const, bytes })),
  stamp.map((ts) => ({ kind: 'tombstone' as const, ts })),
  fc
    .tuple(fc.uint8Array({ maxLength: 32 }), stamp)
    .map(([bytes, ts]) => ({ kind: 'value' as const, bytes, ts })),
);
const dvvSet: fc.Arbitrary<DvvSet<VersionedValue>> = fc
  .tuple(
    vv,
    fc.array(fc.array(versionedValue, { maxLength: 3 }), { maxLength: 8 }),
    fc.array(versionedValue, { maxLength: 2 }),
  )
  .map(([clock, lists, anonymous]) => ({
    entries: clock.map((e, i) => ({ ...e, values: (lists[i] ?? []).slice(0, e.counter) })),
    anonymous,
  }));

describe('DVV set codec', () => {
  it('decodes exactly what was encoded', () => {
    fc.assert(
      fc.property(dvvSet, (s) => {
        expect(decodeSet(encodeSet(s))).toEqual({ ok: true, value: s });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random or mutated bytes, and whatever it accepts re-encodes to the same bytes', () => {
    const mutated = fc
      .tuple(dvvSet, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat())
      .map(([s, flips, cut]) => {
        const b = encodeSet(s);
        for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
        return b.slice(0, b.length - (cut % 3));
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
        const r = decodeSet(bytes);
        if (r.ok) expect(encodeSet(r.value)).toEqual(bytes);
        else expect(r.error.kind).toBeTypeOf('string');
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects too many replicas before reading them, and other versions', () => {
    const tooMany = new Uint8Array([1, 0xff, 0x7f]);
    expect(decodeSet(tooMany)).toMatchObject({ ok: false, error: { kind: 'too-large' } });
    expect(decodeSet(new Uint8Array([2, 0, 0]))).toMatchObject({ ok: false, error: { kind: 'bad-version' } });
    expect(decodeSet(new Uint8Array([1, 0, 0, 9]))).toMatchObject({
      ok: false,
      error: { kind: 'trailing-bytes' },
    });
    const big = new Uint8Array(DEFAULT_VERSIONING_LIMITS.maxSetBytes + 1);
    expect(decodeSet(big)).toMatchObject({ ok: false, error: { kind: 'too-large' } });
  });

  it('rejects a non-canonical set: unsorted ids or more values than the counter', () => {
    const a = replicaId('a');
    const b = replicaId('b');
    const unsorted = encodeSet({
      entries: [
        { id: b, counter: 1, values: [] },
        { id: a, counter: 1, values: [] },
      ],
      anonymous: [],
    });
    expect(decodeSet(unsorted)).toMatchObject({ ok: false, error: { kind: 'not-canonical' } });
    const overfull = encodeSet({
      entries: [{ id: a, counter: 1, values: [TOMBSTONE, TOMBSTONE] }],
      anonymous: [],
    });
    expect(decodeSet(overfull)).toMatchObject({ ok: false, error: { kind: 'not-canonical' } });
  });
});

describe('X-Context token', () => {
  it('is base64url and decodes to the same version vector', () => {
    fc.assert(
      fc.property(vv, (v) => {
        const token = encodeContextToken(v);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeContextToken(token)).toEqual({ ok: true, vv: v });
      }),
      { numRuns: 300 },
    );
  });

  it('is compact: a three-replica context fits in a few dozen characters', () => {
    const v = fromEntries(['n1', 'n2', 'n3'].map((n, i) => ({ id: replicaId(n), counter: 1000 * (i + 1) })));
    expect(encodeContextToken(v).length).toBeLessThan(32);
  });

  it('never throws on arbitrary strings or mutated tokens, and accepts only canonical tokens', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ';
    const mutated = fc.tuple(vv, fc.nat(), fc.nat(alphabet.length - 1)).map(([v, at, ch]) => {
      const t = encodeContextToken(v);
      const i = at % t.length;
      return t.slice(0, i) + alphabet[ch] + t.slice(i + 1);
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), mutated), (token) => {
        const r = decodeContextToken(token);
        if (r.ok) expect(encodeContextToken(r.vv)).toBe(token);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects oversized, empty, foreign-version and padded tokens with typed errors', () => {
    expect(decodeContextToken('A'.repeat(5000))).toMatchObject({ ok: false, error: { kind: 'too-large' } });
    expect(decodeContextToken('')).toMatchObject({ ok: false, error: { kind: 'bad-encoding' } });
    expect(decodeContextToken('AgA')).toMatchObject({ ok: false, error: { kind: 'bad-version' } });
    expect(decodeContextToken('AQA=')).toMatchObject({ ok: false, error: { kind: 'bad-encoding' } });
    expect(decodeContextToken('AQB')).toMatchObject({ ok: false, error: { kind: 'not-canonical' } });
    expect(decodeContextToken(encodeContextToken([]))).toEqual({ ok: true, vv: [] });
  });
});
