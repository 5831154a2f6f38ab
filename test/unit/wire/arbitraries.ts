/** fast-check arbitraries for every wire message kind, producing only messages the decoder must accept. */
import fc from 'fast-check';
import { DEFAULT_WIRE_LIMITS } from '../../../src/wire/limits.js';
import type {
  Ack,
  Alive,
  Dead,
  Meta,
  Nack,
  NodeState,
  Ping,
  PingReq,
  ProbeSource,
  PushNodeState,
  PushPull,
  Suspect,
  UserEvent,
  Versions,
  WireMessage,
} from '../../../src/wire/messages.js';
import { isSaneName } from '../../../src/wire/proto-convert.js';

/** Full uint32 range (fc.integer stops at 2^31 − 1). */
export const uint32 = fc.tuple(fc.nat(0xffff), fc.nat(0xffff)).map(([hi, lo]) => hi * 0x10000 + lo);
export const port = fc.integer({ min: 1, max: 65535 });
export const nodeName = fc
  .string({ minLength: 1, maxLength: 24, unit: 'binary' })
  .filter((s) => isSaneName(s, DEFAULT_WIRE_LIMITS));
export const zone = fc.oneof(fc.constant(''), nodeName);
export const bytes = fc.uint8Array({ maxLength: 48 });

// 8 keys × (16 + 32) chars stays under the 512-char meta limit. "__proto__" cannot survive a trip through a
// plain object (protobufjs decodes maps into one), so it is not a usable key; docs/wire.md says so.
export const meta: fc.Arbitrary<Meta> = fc.dictionary(
  fc
    .string({ minLength: 1, maxLength: 16 })
    .filter((k) => isSaneName(k, DEFAULT_WIRE_LIMITS) && k !== '__proto__'),
  fc.string({ maxLength: 32, unit: 'binary' }),
  { maxKeys: 8, noNullPrototype: true },
);

const range = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map((xs) => xs.sort((a, b) => a - b));
export const versions: fc.Arbitrary<Versions> = fc.tuple(range, range).map(([p, d]) => ({
  protocolMin: p[0]!,
  protocolCur: p[1]!,
  protocolMax: p[2]!,
  delegateMin: d[0]!,
  delegateCur: d[1]!,
  delegateMax: d[2]!,
}));

const probeSource: fc.Arbitrary<ProbeSource> = fc.record({ addr: nodeName, port, node: nodeName });
const nodeState = fc.constantFrom<NodeState>('alive', 'suspect', 'dead', 'left');

export const ping: fc.Arbitrary<Ping> = fc.record(
  { type: fc.constant('ping' as const), seqNo: uint32, node: nodeName, source: probeSource },
  { requiredKeys: ['type', 'seqNo', 'node'] },
);
export const ack: fc.Arbitrary<Ack> = fc.record({
  type: fc.constant('ack' as const),
  seqNo: uint32,
  payload: bytes,
});
export const nack: fc.Arbitrary<Nack> = fc.record({ type: fc.constant('nack' as const), seqNo: uint32 });
export const pingReq: fc.Arbitrary<PingReq> = fc.record(
  {
    type: fc.constant('pingReq' as const),
    seqNo: uint32,
    node: nodeName,
    targetAddr: nodeName,
    targetPort: port,
    nack: fc.boolean(),
    source: probeSource,
  },
  { requiredKeys: ['type', 'seqNo', 'node', 'targetAddr', 'targetPort', 'nack'] },
);
export const suspect: fc.Arbitrary<Suspect> = fc.record({
  type: fc.constant('suspect' as const),
  incarnation: uint32,
  node: nodeName,
  from: nodeName,
});
export const alive: fc.Arbitrary<Alive> = fc.record({
  type: fc.constant('alive' as const),
  incarnation: uint32,
  node: nodeName,
  addr: nodeName,
  port,
  meta,
  zone,
  versions,
});
export const dead: fc.Arbitrary<Dead> = fc.record({
  type: fc.constant('dead' as const),
  incarnation: uint32,
  node: nodeName,
  from: nodeName,
});
export const pushNodeState: fc.Arbitrary<PushNodeState> = fc.record({
  name: nodeName,
  addr: nodeName,
  port,
  meta,
  incarnation: uint32,
  state: nodeState,
  zone,
  versions,
});
export const pushPull: fc.Arbitrary<PushPull> = fc.record({
  type: fc.constant('pushPull' as const),
  join: fc.boolean(),
  nodes: fc.array(pushNodeState, { maxLength: 8 }),
  userState: bytes,
});
export const userEvent: fc.Arbitrary<UserEvent> = fc.record({
  type: fc.constant('userEvent' as const),
  ltime: fc.maxSafeNat(),
  name: nodeName,
  payload: bytes,
  coalesce: fc.boolean(),
});

/** One arbitrary per message type, keyed by `type`, so a test can iterate over all kinds. */
export const messageByType = {
  ping,
  ack,
  nack,
  pingReq,
  suspect,
  alive,
  dead,
  pushPull,
  userEvent,
} as const satisfies { [K in WireMessage['type']]: fc.Arbitrary<Extract<WireMessage, { type: K }>> };

export const wireMessage: fc.Arbitrary<WireMessage> = fc.oneof(...Object.values(messageByType));

export const header = fc.record({ cluster: nodeName, sender: nodeName });
