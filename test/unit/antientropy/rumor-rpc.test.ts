import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RUMOR_ID_BYTES } from '../../../src/antientropy/rumor-core.js';
import {
  decodeRumorRequest,
  decodeRumorResponse,
  encodeRumorRequest,
  encodeRumorResponse,
  type RumorRequest,
  type RumorResponse,
} from '../../../src/antientropy/rumor-rpc.js';
import { hearsay } from '../../../src/wire/gen/hearsay.js';

const idArb = fc
  .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
  .filter((s) => Buffer.byteLength(s) <= MAX_RUMOR_ID_BYTES);

describe('rumor RPC (its own service: RumorPush / RumorFeedback)', () => {
  it('pushes round-trip', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        idArb,
        fc.uint8Array({ maxLength: 100 }),
        (channel, id, payload) => {
          const req: RumorRequest = { channel, id, payload };
          const d = decodeRumorRequest(encodeRumorRequest(req));
          expect(d.ok && { ...d.value, payload: [...d.value.payload] }).toEqual({
            ...req,
            payload: [...payload],
          });
        },
      ),
    );
  });

  it('verdicts and failures round-trip', () => {
    const response: fc.Arbitrary<RumorResponse> = fc.oneof(
      fc
        .constantFrom('new' as const, 'known' as const)
        .map((verdict) => ({ kind: 'verdict' as const, verdict })),
      fc.record({
        kind: fc.constant('failure' as const),
        failure: fc.constantFrom('bad_request' as const, 'unavailable' as const),
        message: fc.string({ maxLength: 30 }),
      }),
    );
    fc.assert(
      fc.property(response, (res) => {
        expect(decodeRumorResponse(encodeRumorResponse(res))).toEqual({ ok: true, value: res });
      }),
    );
  });

  it('bad frames are errors, never throws; whatever decodes re-encodes to the same message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = decodeRumorRequest(bytes);
        if (r.ok) expect(decodeRumorRequest(encodeRumorRequest(r.value))).toEqual(r);
        const s = decodeRumorResponse(bytes);
        if (s.ok) expect(decodeRumorResponse(encodeRumorResponse(s.value))).toEqual(s);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects a push without a channel or with an id no carrier can take, and a feedback without a verdict', () => {
    const push = (channel: string, id: string): Uint8Array =>
      hearsay.RumorPush.encode({ channel, id, payload: new Uint8Array([1]) }).finish();
    expect(decodeRumorRequest(push('', 'u'))).toEqual({ ok: false, error: 'push without a channel' });
    expect(decodeRumorRequest(push('c', ''))).toMatchObject({ ok: false, error: /rumor id/ });
    expect(decodeRumorRequest(push('c', 'x'.repeat(MAX_RUMOR_ID_BYTES + 1)))).toMatchObject({ ok: false });
    expect(decodeRumorResponse(new Uint8Array(0))).toEqual({ ok: false, error: 'feedback without a result' });
    const unset = hearsay.RumorFeedback.encode({
      verdict: hearsay.RumorVerdict.RUMOR_VERDICT_UNSPECIFIED,
    }).finish();
    expect(decodeRumorResponse(unset)).toMatchObject({ ok: false, error: /unknown verdict/ });
  });
});
