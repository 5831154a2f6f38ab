import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket } from '../../../src/wire/codec.js';
import { DECODE_ERROR_KINDS, type DecodeErrorKind, DecodeStats } from '../../../src/wire/decode-error.js';
import { hearsay } from '../../../src/wire/gen/hearsay.js';
import { DEFAULT_WIRE_LIMITS } from '../../../src/wire/limits.js';
import { type Alive, PROTOCOL_VERSION, type WireMessage } from '../../../src/wire/messages.js';

const cluster = 'prod';
const h = { cluster, sender: 'n1' };
const ping: WireMessage = { type: 'ping', seqNo: 1, node: 'n2' };
const versions = {
  protocolMin: 1,
  protocolMax: 1,
  protocolCur: 1,
  delegateMin: 0,
  delegateMax: 0,
  delegateCur: 0,
};
const alive: Alive = {
  type: 'alive',
  incarnation: 3,
  node: 'n2',
  addr: '10.0.0.2',
  port: 7946,
  meta: { role: 'kv' },
  zone: 'a',
  versions,
};

/** An envelope encoded straight from protobufjs objects, bypassing the typed encoder's guarantees. */
function raw(
  messages: hearsay.Message.$Properties[],
  env: Partial<hearsay.Envelope.$Properties> = {},
): Uint8Array {
  return hearsay.Envelope.encode({
    version: PROTOCOL_VERSION,
    cluster,
    sender: 'n1',
    messages,
    ...env,
  }).finish();
}

function kindOf(bytes: Uint8Array, maxBytes?: number): DecodeErrorKind | 'ok' {
  const r = decodePacket(bytes, { cluster, ...(maxBytes === undefined ? {} : { maxBytes }) });
  return r.ok ? 'ok' : r.error.kind;
}

const pushNode = {
  name: 'n3',
  addr: '10.0.0.3',
  port: 7946,
  incarnation: 1,
  state: hearsay.NodeState.NODE_STATE_ALIVE,
  versions,
};

describe('decodePacket rejects, with a typed reason', () => {
  it('empty: zero bytes, or an envelope without messages', () => {
    expect(kindOf(new Uint8Array(0))).toBe('empty');
    expect(kindOf(encodePacket(h, []))).toBe('empty');
  });

  it('oversize: more bytes than maxBytes, before parsing', () => {
    const packet = encodePacket(h, [ping]);
    expect(kindOf(packet, packet.length)).toBe('ok');
    expect(kindOf(packet, packet.length - 1)).toBe('oversize');
    expect(kindOf(new Uint8Array(DEFAULT_WIRE_LIMITS.maxPacketBytes + 1))).toBe('oversize');
  });

  it('malformed: garbage, truncation, a length past the end, invalid UTF-8, a bad wire type', () => {
    expect(kindOf(new Uint8Array([0xff]))).toBe('malformed');
    const packet = encodePacket(h, [ping]);
    expect(kindOf(packet.subarray(0, packet.length - 1))).toBe('malformed');
    expect(kindOf(new Uint8Array([0x22, 0x7f, 0x0a]))).toBe('malformed');
    // cluster (field 2) holding 0xff 0xfe, which is not UTF-8
    expect(kindOf(new Uint8Array([0x08, 0x01, 0x12, 0x02, 0xff, 0xfe]))).toBe('malformed');
    // wire type 7 does not exist
    expect(kindOf(new Uint8Array([0x0f]))).toBe('malformed');
  });

  it('unsupported-version: another major version, or none', () => {
    expect(kindOf(encodePacket({ ...h, version: PROTOCOL_VERSION + 1 }, [ping]))).toBe('unsupported-version');
    expect(kindOf(encodePacket({ ...h, version: 0 }, [ping]))).toBe('unsupported-version');
  });

  it('wrong-cluster: an envelope for another cluster', () => {
    expect(kindOf(encodePacket({ ...h, cluster: 'staging' }, [ping]))).toBe('wrong-cluster');
    expect(kindOf(encodePacket({ ...h, cluster: '' }, [ping]))).toBe('wrong-cluster');
  });

  it.each<[string, Uint8Array]>([
    ['empty sender', raw([{ ping: { seqNo: 1, node: 'n2' } }], { sender: '' })],
    ['sender with a control character', raw([{ ping: { seqNo: 1, node: 'n2' } }], { sender: 'n\u00001' })],
    ['message without a body', raw([{}])],
    ['ping without a target node', raw([{ ping: { seqNo: 1 } }])],
    ['ping with half a source', raw([{ ping: { seqNo: 1, node: 'n2', sourceAddr: '10.0.0.1' } }])],
    ['ping-req without a target port', raw([{ pingReq: { seqNo: 1, node: 'n2', targetAddr: 'x' } }])],
    [
      'ping-req with a port past 65535',
      raw([{ pingReq: { seqNo: 1, node: 'n2', targetAddr: 'x', targetPort: 70000 } }]),
    ],
    ['suspect without a sender', raw([{ suspect: { incarnation: 1, node: 'n2' } }])],
    ['dead without a node', raw([{ dead: { incarnation: 1, from: 'n1' } }])],
    ['alive without versions', raw([{ alive: { node: 'n2', addr: 'a', port: 1 } }])],
    [
      'alive with cur outside [min, max]',
      raw([{ alive: { node: 'n2', addr: 'a', port: 1, versions: { ...versions, protocolCur: 5 } } }]),
    ],
    ['alive with an over-long node name', raw([{ alive: { ...alive, node: 'x'.repeat(256) } }])],
    [
      'push-pull whose count disagrees with its nodes',
      raw([{ pushPull: { nodeCount: 2, nodes: [pushNode] } }]),
    ],
    [
      'push-pull node without a state',
      raw([{ pushPull: { nodeCount: 1, nodes: [{ ...pushNode, state: 0 }] } }]),
    ],
    [
      'push-pull node with an unknown state',
      raw([{ pushPull: { nodeCount: 1, nodes: [{ ...pushNode, state: 9 as hearsay.NodeState }] } }]),
    ],
    ['user event with a Lamport time past 2^53', raw([{ userEvent: { name: 'e', ltime: 2 ** 60 } }])],
  ])('invalid-field: %s', (_, packet) => {
    expect(kindOf(packet)).toBe('invalid-field');
  });

  it('too-many: messages per packet, nodes per push/pull, meta entries and size', () => {
    const limits = { ...DEFAULT_WIRE_LIMITS, maxMessagesPerPacket: 3, maxPushPullNodes: 1 };
    const four = encodePacket(h, [ping, ping, ping, ping]);
    expect(decodePacket(four, { cluster, limits })).toMatchObject({ ok: false, error: { kind: 'too-many' } });
    const pp = raw([{ pushPull: { nodeCount: 2, nodes: [pushNode, pushNode] } }]);
    expect(decodePacket(pp, { cluster, limits })).toMatchObject({ ok: false, error: { kind: 'too-many' } });
    const manyKeys = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(kindOf(encodePacket(h, [{ ...alive, meta: manyKeys }]))).toBe('too-many');
    expect(kindOf(encodePacket(h, [{ ...alive, meta: { big: 'v'.repeat(600) } }]))).toBe('too-many');
  });

  it('has a test above for every error kind', () => {
    expect(DECODE_ERROR_KINDS).toEqual([
      'empty',
      'oversize',
      'malformed',
      'unsupported-version',
      'wrong-cluster',
      'invalid-field',
      'too-many',
    ]);
  });
});

describe('decodePacket forward compatibility and counting', () => {
  /** A Message whose only field is number 99: a message kind from a newer minor version. */
  const unknownMessage = new Uint8Array([0x22, 0x03, 0x9a, 0x06, 0x00]);

  it('skips and counts message kinds it does not know, keeping the rest of the packet', () => {
    const packet = new Uint8Array([...encodePacket(h, [ping]), ...unknownMessage]);
    const stats = new DecodeStats();
    const result = decodePacket(packet, { cluster, stats });
    expect(result).toEqual({
      ok: true,
      envelope: { version: PROTOCOL_VERSION, cluster, sender: 'n1', messages: [ping] },
      unknownMessages: 1,
    });
    expect(stats).toMatchObject({ packets: 1, messages: 1, unknownMessages: 1 });
  });

  it('ignores unknown fields inside known messages', () => {
    // Ping with an extra field 15 (varint 1) appended.
    const body = [...hearsay.Message.encode({ ping: { seqNo: 1, node: 'n2' } }).finish()];
    body[1]! += 2;
    const withExtra = [...body, 0x78, 0x01];
    const header = hearsay.Envelope.encode({ version: PROTOCOL_VERSION, cluster, sender: 'n1' }).finish();
    const packet = new Uint8Array([...header, 0x22, withExtra.length, ...withExtra]);
    const result = decodePacket(packet, { cluster });
    expect(result.ok && result.envelope.messages).toEqual([ping]);
  });

  it('counts every outcome by kind', () => {
    const stats = new DecodeStats();
    decodePacket(new Uint8Array(0), { cluster, stats });
    decodePacket(new Uint8Array([0xff]), { cluster, stats });
    decodePacket(encodePacket({ ...h, cluster: 'x' }, [ping]), { cluster, stats });
    decodePacket(encodePacket(h, [ping, alive]), { cluster, stats });
    expect(stats.packets).toBe(1);
    expect(stats.messages).toBe(2);
    expect(stats.errors).toMatchObject({ empty: 1, malformed: 1, 'wrong-cluster': 1, oversize: 0 });
    expect(stats.droppedPackets()).toBe(3);
  });
});
