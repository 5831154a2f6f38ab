import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodeHeader,
  encodeMessage,
  encodePacket,
  framedSizeBytes,
} from '../../../src/wire/codec.js';
import { hearsay } from '../../../src/wire/gen/hearsay.js';
import { MESSAGE_TYPES, PROTOCOL_VERSION } from '../../../src/wire/messages.js';
import { toProto } from '../../../src/wire/proto-convert.js';
import { header, messageByType, wireMessage } from './arbitraries.js';

describe('wire codec round trip', () => {
  it('has an arbitrary for every message type', () => {
    expect(Object.keys(messageByType).sort()).toEqual([...MESSAGE_TYPES].sort());
  });

  for (const [type, arb] of Object.entries(messageByType)) {
    it(`a ${type} decodes to exactly what was encoded`, () => {
      fc.assert(
        fc.property(header, arb, (h, msg) => {
          const result = decodePacket(encodePacket(h, [msg]), { cluster: h.cluster });
          expect(result).toEqual({
            ok: true,
            envelope: { version: PROTOCOL_VERSION, cluster: h.cluster, sender: h.sender, messages: [msg] },
            unknownMessages: 0,
          });
        }),
        { numRuns: 200 },
      );
    });
  }

  it('a compound packet keeps every message, in order', () => {
    fc.assert(
      fc.property(header, fc.array(wireMessage, { minLength: 1, maxLength: 12 }), (h, msgs) => {
        const result = decodePacket(encodePacket(h, msgs), { cluster: h.cluster, maxBytes: 1 << 20 });
        expect(result.ok && result.envelope.messages).toEqual(msgs);
      }),
      { numRuns: 200 },
    );
  });

  it('the hand-framed packet is byte for byte what protobufjs encodes for the whole Envelope', () => {
    fc.assert(
      fc.property(header, fc.array(wireMessage, { maxLength: 6 }), (h, msgs) => {
        const ours = encodePacket(h, msgs);
        const theirs = hearsay.Envelope.encode({
          version: PROTOCOL_VERSION,
          cluster: h.cluster,
          sender: h.sender,
          messages: msgs.map(toProto),
        }).finish();
        expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
        const expectedSize = msgs.reduce(
          (n, m) => n + framedSizeBytes(encodeMessage(m).length),
          encodeHeader(h).length,
        );
        expect(ours.length).toBe(expectedSize);
      }),
      { numRuns: 200 },
    );
  });

  it('decoded bytes do not alias the input buffer', () => {
    const packet = encodePacket({ cluster: 'c', sender: 's' }, [
      { type: 'ack', seqNo: 1, payload: new Uint8Array([1, 2, 3]) },
    ]);
    const result = decodePacket(packet, { cluster: 'c' });
    packet.fill(0);
    expect(result.ok && result.envelope.messages[0]).toEqual({
      type: 'ack',
      seqNo: 1,
      payload: new Uint8Array([1, 2, 3]),
    });
  });
});
