import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AaeRequest,
  decodeAaeRequest,
  decodeAaeResponse,
  encodeAaeRequest,
  encodeAaeResponse,
  MAX_AAE_INDEXES,
} from '../../../src/antientropy/aae-rpc.js';

describe('anti-entropy RPC (its own service, no placeholder keys)', () => {
  it('tree-level and segment-entries requests round-trip', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.nat(255),
        fc.nat(8),
        fc.uniqueArray(fc.nat(4095), { maxLength: 64 }),
        (ns, partition, level, indexes) => {
          const tree: AaeRequest = { op: 'tree-level', ns, partition, level, indexes };
          expect(decodeAaeRequest(encodeAaeRequest(tree))).toEqual({ ok: true, value: tree });
          const seg: AaeRequest = { op: 'segment-entries', ns, partition, segments: indexes };
          expect(decodeAaeRequest(encodeAaeRequest(seg))).toEqual({ ok: true, value: seg });
        },
      ),
    );
  });

  it('hashes, entries and failures round-trip', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 160 }),
        fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.uint8Array({ maxLength: 40 })), {
          maxLength: 5,
        }),
        (hashes, pairs) => {
          const h = decodeAaeResponse(encodeAaeResponse({ kind: 'hashes', hashes }));
          expect(h.ok && h.value.kind === 'hashes' && [...h.value.hashes]).toEqual([...hashes]);
          const entries = pairs.map(([key, setBytes]) => ({ key, setBytes }));
          const e = decodeAaeResponse(encodeAaeResponse({ kind: 'entries', entries }));
          expect(
            e.ok && e.value.kind === 'entries' && e.value.entries.map((x) => [[...x.key], [...x.setBytes]]),
          ).toEqual(pairs.map(([k, v]) => [[...k], [...v]]));
        },
      ),
    );
    const f = decodeAaeResponse(
      encodeAaeResponse({ kind: 'failure', failure: 'bad_request', message: 'no' }),
    );
    expect(f).toEqual({ ok: true, value: { kind: 'failure', failure: 'bad_request', message: 'no' } });
  });

  it('bad frames are errors, never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = decodeAaeRequest(bytes);
        expect(typeof r.ok).toBe('boolean');
        const s = decodeAaeResponse(bytes);
        expect(typeof s.ok).toBe('boolean');
      }),
    );
    expect(decodeAaeRequest(new Uint8Array(0))).toEqual({ ok: false, error: 'request without an operation' });
    const tooWide = encodeAaeRequest({
      op: 'segment-entries',
      ns: 'd',
      partition: 0,
      segments: Array.from({ length: MAX_AAE_INDEXES + 1 }, (_, i) => i),
    });
    expect(decodeAaeRequest(tooWide)).toMatchObject({ ok: false, error: /more than/ });
  });
});
