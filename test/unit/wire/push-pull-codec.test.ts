import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodeHeader, encodeMessage } from '../../../src/wire/codec.js';
import { assemblePacket } from '../../../src/wire/index.js';
import { encodePushNodeState, encodePushPullMessage } from '../../../src/wire/push-pull-codec.js';
import { header, pushPull } from './arbitraries.js';

describe('push/pull from pre-encoded node states', () => {
  it('is byte-identical to encoding the whole message', () => {
    fc.assert(
      fc.property(pushPull, (m) => {
        const assembled = encodePushPullMessage(m.join, m.nodes.map(encodePushNodeState), m.userState);
        expect(Buffer.from(assembled).equals(Buffer.from(encodeMessage(m)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes back to the message it was assembled from, at sizes past one-byte varints', () => {
    fc.assert(
      fc.property(header, pushPull, fc.integer({ min: 0, max: 200 }), (h, m, copies) => {
        const nodes = Array.from(
          { length: copies },
          (_, i) => m.nodes[i % Math.max(1, m.nodes.length)],
        ).filter((n) => n !== undefined);
        const msg = encodePushPullMessage(m.join, nodes.map(encodePushNodeState), m.userState);
        const d = decodePacket(assemblePacket(encodeHeader(h), [msg]), {
          cluster: h.cluster,
          maxBytes: 1 << 22,
        });
        expect(d.ok).toBe(true);
        if (!d.ok) return;
        expect(d.envelope.messages).toEqual([{ ...m, nodes }]);
      }),
      { numRuns: 60 },
    );
  });
});
