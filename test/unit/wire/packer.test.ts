import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodeHeader,
  encodeMessage,
  encodePacket,
  framedSizeBytes,
} from '../../../src/wire/codec.js';
import type { WireMessage } from '../../../src/wire/messages.js';
import { packMessages } from '../../../src/wire/packer.js';
import { header, wireMessage } from './arbitraries.js';

// Sometimes-large acks, so that some messages alone exceed small MTUs.
const bigAck = fc
  .uint8Array({ minLength: 0, maxLength: 1600 })
  .map((payload): WireMessage => ({ type: 'ack', seqNo: 7, payload }));
const messages = fc.array(fc.oneof({ weight: 6, arbitrary: wireMessage }, { weight: 1, arbitrary: bigAck }), {
  maxLength: 60,
});

describe('packer', () => {
  it('every datagram fits the MTU, holds as many messages as fit, and all messages arrive in order', () => {
    fc.assert(
      fc.property(header, messages, fc.integer({ min: 64, max: 1500 }), (h, msgs, mtuBytes) => {
        const { datagrams, oversize } = packMessages(h, msgs, mtuBytes);
        const decoded: WireMessage[] = [];
        for (const d of datagrams) {
          expect(d.length).toBeLessThanOrEqual(mtuBytes);
          const result = decodePacket(d, { cluster: h.cluster });
          if (!result.ok) throw new Error(`datagram did not decode: ${result.error.kind}`);
          decoded.push(...result.envelope.messages);
        }
        const skipped = new Set(oversize.map((o) => o.index));
        expect(decoded).toEqual(msgs.filter((_, i) => !skipped.has(i)));

        // Reported oversize messages really do not fit alone; all others do.
        msgs.forEach((m, i) => {
          expect(encodePacket(h, [m]).length > mtuBytes).toBe(skipped.has(i));
        });
        for (const o of oversize) expect(o.packetBytes).toBe(encodePacket(h, [msgs[o.index]!]).length);

        // Greedy: the next datagram's first message would not have fit into the previous datagram.
        const headerBytes = encodeHeader(h).length;
        let next = 0;
        datagrams.forEach((d, k) => {
          const r = decodePacket(d, { cluster: h.cluster });
          const count = r.ok ? r.envelope.messages.length : 0;
          next += count;
          const following = decoded[next];
          if (k < datagrams.length - 1 && following !== undefined) {
            expect(d.length + framedSizeBytes(encodeMessage(following).length)).toBeGreaterThan(mtuBytes);
          }
          expect(d.length).toBeGreaterThan(headerBytes);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('reports a single message bigger than the MTU instead of dropping it silently', () => {
    const h = { cluster: 'prod', sender: 'n1' };
    const big: WireMessage = { type: 'ack', seqNo: 1, payload: new Uint8Array(2000) };
    const small: WireMessage = { type: 'nack', seqNo: 2 };
    const result = packMessages(h, [small, big, small], 1400);
    expect(result.oversize).toEqual([{ index: 1, packetBytes: encodePacket(h, [big]).length }]);
    expect(result.datagrams).toHaveLength(1);
    const decoded = decodePacket(result.datagrams[0]!, { cluster: 'prod' });
    expect(decoded.ok && decoded.envelope.messages).toEqual([small, small]);
  });

  it('packs nothing into no datagrams', () => {
    expect(packMessages({ cluster: 'c', sender: 's' }, [])).toEqual({ datagrams: [], oversize: [] });
  });
});
