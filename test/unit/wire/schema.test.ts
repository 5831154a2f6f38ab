/**
 * src/wire/messages.ts is hand-written; hearsay.proto is the source of truth. These tests read the .proto by
 * reflection and check that every message type has exactly the fields the TS types have (modulo the
 * documented mappings), so neither can drift alone.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type {
  MessageType,
  NodeState,
  PushNodeState,
  Versions,
  WireMessage,
} from '../../../src/wire/messages.js';
import { MESSAGE_TYPES } from '../../../src/wire/messages.js';

const root = protobuf.loadSync(
  join(dirname(fileURLToPath(import.meta.url)), '../../../src/wire/hearsay.proto'),
);

const versions: Required<Versions> = {
  protocolMin: 1,
  protocolMax: 1,
  protocolCur: 1,
  delegateMin: 0,
  delegateMax: 0,
  delegateCur: 0,
};
const source = { addr: 'a', port: 1, node: 'n' };
const node: Required<PushNodeState> = {
  name: 'n',
  addr: 'a',
  port: 1,
  meta: {},
  incarnation: 1,
  state: 'alive',
  zone: '',
  versions,
};

// Required<…> makes the compiler insist that every field of each TS type, optional or not, appears here.
const full: { readonly [K in MessageType]: Required<Extract<WireMessage, { type: K }>> } = {
  ping: { type: 'ping', seqNo: 1, node: 'n', source },
  ack: { type: 'ack', seqNo: 1, payload: new Uint8Array() },
  nack: { type: 'nack', seqNo: 1 },
  pingReq: { type: 'pingReq', seqNo: 1, node: 'n', targetAddr: 'a', targetPort: 1, nack: true, source },
  suspect: { type: 'suspect', incarnation: 1, node: 'n', from: 'f' },
  alive: { type: 'alive', incarnation: 1, node: 'n', addr: 'a', port: 1, meta: {}, zone: '', versions },
  dead: { type: 'dead', incarnation: 1, node: 'n', from: 'f' },
  pushPull: { type: 'pushPull', join: false, nodes: [node], userState: new Uint8Array() },
  userEvent: { type: 'userEvent', ltime: 1, name: 'e', payload: new Uint8Array(), coalesce: false },
};

/** The proto field names a TS object stands for: `source` is flattened, pushPull's count is derived. */
function protoFieldsOf(type: string, obj: object): string[] {
  const fields: string[] = [];
  for (const key of Object.keys(obj)) {
    if (key === 'type') continue;
    if (key === 'source') fields.push('sourceAddr', 'sourcePort', 'sourceNode');
    else fields.push(key);
  }
  if (type === 'pushPull') fields.push('nodeCount');
  return fields.sort();
}

function fieldsOfProtoType(name: string): string[] {
  return root
    .lookupType(name)
    .fieldsArray.map((f) => f.name)
    .sort();
}

describe('hand-written message types agree with hearsay.proto', () => {
  const message = root.lookupType('hearsay.Message');

  it('Message.body has one case per message type, in the same order', () => {
    const body = message.oneofs['body'];
    expect(body?.fieldsArray.map((f) => f.name)).toEqual([...MESSAGE_TYPES]);
    expect(message.fieldsArray.map((f) => f.name)).toEqual([...MESSAGE_TYPES]);
  });

  for (const type of MESSAGE_TYPES) {
    it(`${type} has the same fields in TS and in the .proto`, () => {
      const field = message.fields[type];
      expect(field).toBeDefined();
      field!.resolve();
      const protoType = field!.resolvedType;
      expect(protoType).toBeInstanceOf(protobuf.Type);
      expect(protoFieldsOf(type, full[type])).toEqual(fieldsOfProtoType(protoType!.fullName.slice(1)));
    });
  }

  it('PushNodeState and Versions have the same fields', () => {
    expect(protoFieldsOf('', node)).toEqual(fieldsOfProtoType('hearsay.PushNodeState'));
    expect(protoFieldsOf('', versions)).toEqual(fieldsOfProtoType('hearsay.Versions'));
  });

  it('NodeState has the same values, plus the unspecified zero', () => {
    const states: Record<NodeState, true> = { alive: true, suspect: true, dead: true, left: true };
    const values = Object.keys(root.lookupEnum('hearsay.NodeState').values);
    expect(values).toEqual([
      'NODE_STATE_UNSPECIFIED',
      ...Object.keys(states).map((s) => `NODE_STATE_${s.toUpperCase()}`),
    ]);
  });

  it('Envelope has version, cluster, sender and messages', () => {
    expect(fieldsOfProtoType('hearsay.Envelope')).toEqual(['cluster', 'messages', 'sender', 'version']);
  });
});
