import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeKvRequest,
  decodeKvResponse,
  encodeKvRequest,
  encodeKvResponse,
  type KvFailureKind,
  type KvRequest,
  type KvResponse,
} from '../../../src/replica/replica-rpc.js';
import { DEFAULT_VERSIONING_LIMITS } from '../../../src/versioning/limits.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { bytesValue, TOMBSTONE } from '../../../src/versioning/versioned-value.js';
import { hearsay } from '../../../src/wire/gen/hearsay.js';
import { dvvSet, text, uint32, versionedValue, versionVector } from '../versioning/arbitraries.js';

const FAILURE_KINDS: readonly KvFailureKind[] = ['corrupt', 'storage', 'full', 'bad_request', 'unavailable'];

const target = fc.record({
  ns: text({ minLength: 1, maxLength: 16 }),
  key: fc.uint8Array({ maxLength: 40 }),
  partition: uint32,
});
/** Absent, or a non-empty node name: the wire's empty string means "no hint". */
const hintFor = fc.option(text({ minLength: 1, maxLength: 16 }), { nil: undefined });
const withHint = <T extends object>(x: T, h: string | undefined): T =>
  h === undefined ? x : { ...x, hintFor: h };

const getReq: fc.Arbitrary<KvRequest> = fc
  .tuple(target, hintFor)
  .map(([t, h]) => withHint({ ...t, op: 'get' as const }, h));
const coordinateReq: fc.Arbitrary<KvRequest> = fc
  .tuple(target, versionVector, versionedValue)
  .map(([t, context, value]) => ({ ...t, op: 'coordinate' as const, context, value }));
const mergeReq: fc.Arbitrary<KvRequest> = fc
  .tuple(target, dvvSet, hintFor)
  .map(([t, set, h]) => withHint({ ...t, op: 'merge' as const, set }, h));
const reapReq: fc.Arbitrary<KvRequest> = fc
  .tuple(target, dvvSet, uint32)
  .map(([t, expected, graceMs]) => ({ ...t, op: 'reap' as const, expected, graceMs }));
const request = fc.oneof(getReq, coordinateReq, mergeReq, reapReq);

const response: fc.Arbitrary<KvResponse> = fc.oneof(
  dvvSet.map((set) => ({ kind: 'found' as const, set })),
  fc.constant({ kind: 'notfound' as const }),
  fc
    .tuple(fc.constantFrom(...FAILURE_KINDS), text({ maxLength: 40 }))
    .map(([failure, message]) => ({ kind: 'failure' as const, failure, message })),
);

/** Protobuf hands bytes back as Buffers; compare contents, whatever the view type. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v) => normalize(v)));
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer') {
    return { bytes: (v as { data: number[] }).data };
  }
  return v;
}

describe('replica RPC requests', () => {
  it('decode(encode(x)) is x for every op', () => {
    fc.assert(
      fc.property(request, (req) => {
        const d = decodeKvRequest(encodeKvRequest(req));
        expect(d.ok).toBe(true);
        if (d.ok) expect(plain(d.value)).toEqual(plain(req));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips each op kind, with and without a hint', () => {
    for (const arb of [getReq, coordinateReq, mergeReq, reapReq]) {
      fc.assert(
        fc.property(arb, (req) => {
          const d = decodeKvRequest(encodeKvRequest(req));
          expect(d).toMatchObject({ ok: true, value: { op: req.op } });
          if (d.ok) expect(plain(d.value)).toEqual(plain(req));
        }),
        { numRuns: 100 },
      );
    }
    const base = { ns: 'data', key: new Uint8Array([1, 2]), partition: 7 };
    const noHint = decodeKvRequest(encodeKvRequest({ ...base, op: 'get' }));
    expect(noHint.ok && 'hintFor' in noHint.value).toBe(false);
    const hinted = decodeKvRequest(encodeKvRequest({ ...base, op: 'get', hintFor: 'n2' }));
    expect(hinted).toMatchObject({ ok: true, value: { op: 'get', hintFor: 'n2' } });
    const merge = decodeKvRequest(
      encodeKvRequest({ ...base, op: 'merge', set: { entries: [], anonymous: [] }, hintFor: 'n3' }),
    );
    expect(merge).toMatchObject({ ok: true, value: { op: 'merge', hintFor: 'n3' } });
  });

  it('a coordinate of a tombstone decodes as the tombstone, a value as its bytes', () => {
    const base = { ns: 'data', key: new Uint8Array([9]), partition: 0, op: 'coordinate' as const };
    const context = [{ id: replicaId('a'), counter: 2 }];
    const del = decodeKvRequest(encodeKvRequest({ ...base, context, value: TOMBSTONE }));
    expect(del).toMatchObject({ ok: true, value: { value: TOMBSTONE, context } });
    const put = decodeKvRequest(
      encodeKvRequest({ ...base, context: [], value: bytesValue(new Uint8Array([5])) }),
    );
    expect(plain(put)).toEqual(
      plain({ ok: true, value: { ...base, context: [], value: bytesValue(new Uint8Array([5])) } }),
    );
  });

  it('decoding arbitrary bytes never throws; whatever it accepts re-encodes to an equal request', () => {
    const mutated = fc
      .tuple(request, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat())
      .map(([req, flips, cut]) => {
        const b = encodeKvRequest(req);
        for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
        return b.slice(0, b.length - (cut % 3));
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 96 }), mutated), (bytes) => {
        const d = decodeKvRequest(bytes);
        if (!d.ok) {
          expect(d.error).toBeTypeOf('string');
          return;
        }
        expect(['get', 'coordinate', 'merge', 'reap']).toContain(d.value.op);
        const again = decodeKvRequest(encodeKvRequest(d.value));
        expect(again.ok).toBe(true);
        if (again.ok) expect(plain(again.value)).toEqual(plain(d.value));
      }),
      { numRuns: 1000 },
    );
  });

  it("an older node's rumor push (KvRequest field 10, now reserved) is a request without an operation", () => {
    const base = hearsay.KvRequest.encode({ ns: '_global', key: new Uint8Array([0]), partition: 0 }).finish();
    // Field 10, length-delimited: tag (10 << 3) | 2, length 2, two bytes.
    const old = Uint8Array.of(...base, (10 << 3) | 2, 2, 1, 2);
    expect(decodeKvRequest(old)).toEqual({ ok: false, error: 'request without an operation' });
  });

  it('rejects a frame without an operation', () => {
    const bytes = hearsay.KvRequest.encode({ ns: 'data', key: new Uint8Array([1]), partition: 1 }).finish();
    expect(decodeKvRequest(bytes)).toEqual({ ok: false, error: 'request without an operation' });
  });

  it('rejects a coordinate context that is not canonical', () => {
    const coordinate = (context: { id: string; counter: number }[]) =>
      hearsay.KvRequest.encode({
        ns: 'data',
        key: new Uint8Array([1]),
        partition: 1,
        coordinate: { context, tombstone: false, value: new Uint8Array([1]) },
      }).finish();
    const canonical = decodeKvRequest(
      coordinate([
        { id: 'a', counter: 1 },
        { id: 'b', counter: 2 },
      ]),
    );
    expect(canonical.ok).toBe(true);
    const bad: Record<string, { id: string; counter: number }[]> = {
      unsorted: [
        { id: 'b', counter: 1 },
        { id: 'a', counter: 1 },
      ],
      'counter 0': [{ id: 'a', counter: 0 }],
      'duplicate ids': [
        { id: 'a', counter: 1 },
        { id: 'a', counter: 2 },
      ],
      'empty id': [{ id: '', counter: 1 }],
      'id too long': [{ id: 'x'.repeat(DEFAULT_VERSIONING_LIMITS.maxReplicaIdBytes + 1), counter: 1 }],
      'counter past 2^53': [{ id: 'a', counter: 2 ** 60 }],
    };
    for (const [why, context] of Object.entries(bad)) {
      const d = decodeKvRequest(coordinate(context));
      expect(d, why).toEqual({ ok: false, error: 'context is not a canonical version vector' });
    }
    const tooMany = Array.from({ length: DEFAULT_VERSIONING_LIMITS.maxReplicas + 1 }, (_, i) => ({
      id: `r${String(i).padStart(4, '0')}`,
      counter: 1,
    }));
    expect(decodeKvRequest(coordinate(tooMany))).toMatchObject({ ok: false, error: /replicas/ });
  });

  it('rejects a merge or reap whose set does not decode', () => {
    const garbage = new Uint8Array([9, 9, 9]);
    for (const op of [{ merge: { set: garbage } }, { reap: { expected: garbage, graceMs: 1 } }]) {
      const bytes = hearsay.KvRequest.encode({
        ns: 'd',
        key: new Uint8Array(0),
        partition: 0,
        ...op,
      }).finish();
      expect(decodeKvRequest(bytes)).toMatchObject({ ok: false, error: /^bad set/ });
    }
  });
});

describe('replica RPC responses', () => {
  it('decode(encode(x)) is x for found, notfound and every failure kind', () => {
    fc.assert(
      fc.property(response, (res) => {
        const d = decodeKvResponse(encodeKvResponse(res));
        expect(d.ok).toBe(true);
        if (d.ok) expect(plain(d.value)).toEqual(plain(res));
      }),
      { numRuns: 500 },
    );
    for (const failure of FAILURE_KINDS) {
      const res: KvResponse = { kind: 'failure', failure, message: `m-${failure}` };
      expect(decodeKvResponse(encodeKvResponse(res))).toEqual({ ok: true, value: res });
    }
    expect(decodeKvResponse(encodeKvResponse({ kind: 'notfound' }))).toEqual({
      ok: true,
      value: { kind: 'notfound' },
    });
  });

  it('an unknown failure kind decodes as storage, keeping the message', () => {
    const bytes = hearsay.KvResponse.encode({ failure: { kind: 'disk-on-fire', message: 'hot' } }).finish();
    expect(decodeKvResponse(bytes)).toEqual({
      ok: true,
      value: { kind: 'failure', failure: 'storage', message: 'hot' },
    });
    const empty = hearsay.KvResponse.encode({ failure: {} }).finish();
    expect(decodeKvResponse(empty)).toEqual({
      ok: true,
      value: { kind: 'failure', failure: 'storage', message: '' },
    });
  });

  it('decoding arbitrary bytes never throws and returns ok:false or a valid response', () => {
    const mutated = fc
      .tuple(response, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat())
      .map(([res, flips, cut]) => {
        const b = encodeKvResponse(res);
        for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
        return b.slice(0, b.length - (cut % 3));
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 96 }), mutated), (bytes) => {
        const d = decodeKvResponse(bytes);
        if (!d.ok) {
          expect(d.error).toBeTypeOf('string');
          return;
        }
        expect(['found', 'notfound', 'failure']).toContain(d.value.kind);
        if (d.value.kind === 'failure') expect(FAILURE_KINDS).toContain(d.value.failure);
        const again = decodeKvResponse(encodeKvResponse(d.value));
        expect(again.ok).toBe(true);
        if (again.ok) expect(plain(again.value)).toEqual(plain(d.value));
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects an empty frame and a found set that does not decode', () => {
    expect(decodeKvResponse(new Uint8Array(0))).toEqual({ ok: false, error: 'response without a result' });
    const bad = hearsay.KvResponse.encode({ found: new Uint8Array([2, 0, 0]) }).finish();
    expect(decodeKvResponse(bad)).toMatchObject({ ok: false, error: /^bad set/ });
  });
});

describe('replica RPC: last-writer-wins coordinate', () => {
  /** Buffers and Uint8Arrays differ for toEqual: compare the fields that matter and the re-encoding. */
  const expectRoundTrip = (req: KvRequest): void => {
    const d = decodeKvRequest(encodeKvRequest(req));
    if (!d.ok || d.value.op !== 'coordinate' || req.op !== 'coordinate')
      throw new Error('did not round-trip');
    expect(d.value.value.ts).toEqual(req.value.ts);
    expect(d.value.value.kind).toBe(req.value.kind);
    expect(d.value.supersedeLocal).toBe(req.supersedeLocal);
    expect(encodeKvRequest(d.value)).toEqual(encodeKvRequest(req));
  };

  it('carries the stamp and the supersede-local flag, and omits both when absent', () => {
    const base = { ns: 'cache', key: new TextEncoder().encode('k'), partition: 3 };
    const stamped: KvRequest = {
      ...base,
      op: 'coordinate',
      context: [],
      value: { kind: 'value', bytes: Uint8Array.of(1, 2), ts: { wallMs: 1_767_225_600_301, logical: 7 } },
      supersedeLocal: true,
    };
    expectRoundTrip(stamped);
    const tombstone: KvRequest = {
      ...base,
      op: 'coordinate',
      context: [],
      value: { kind: 'tombstone', ts: { wallMs: 5, logical: 0 } },
      supersedeLocal: true,
    };
    expectRoundTrip(tombstone);
    const plain: KvRequest = {
      ...base,
      op: 'coordinate',
      context: [],
      value: { kind: 'value', bytes: Uint8Array.of(9) },
    };
    expectRoundTrip(plain);
  });
});
