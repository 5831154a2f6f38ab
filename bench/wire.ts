/**
 * `npm run bench -- wire [--ms N] [--rounds N]`: encode+decode throughput of the same representative packets with
 *  (a) pbjs static code, (b) protobufjs runtime reflection (the .proto loaded at startup), (c) JSON text,
 *  (d) a raw baseline that only copies the same number of bytes twice, and (e) the full hearsay codec
 *  (static code + conversion to the typed union + validation: what a node pays per packet).
 * All variants run in one process, one after another, on identical inputs. docs/wire.md explains the
 * decision these numbers support.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { decodePacket, encodePacket } from '../src/wire/codec.js';
import { hearsay } from '../src/wire/gen/hearsay.js';
import {
  type PacketHeader,
  PROTOCOL_VERSION,
  type PushNodeState,
  type WireMessage,
} from '../src/wire/messages.js';
import { toProto } from '../src/wire/proto-convert.js';
import { opsPerSecond, repoRoot, table, writeResult } from './report.js';

const header: PacketHeader = { cluster: 'prod-eu', sender: 'node-001.hearsay.svc' };
const versions = {
  protocolMin: 1,
  protocolMax: 1,
  protocolCur: 1,
  delegateMin: 0,
  delegateMax: 0,
  delegateCur: 0,
};
const meta = { role: 'kv', http: '8080', rack: 'r12', build: '0.1.0' };

function member(i: number): PushNodeState {
  return {
    name: `node-${String(i).padStart(3, '0')}.hearsay.svc`,
    addr: `10.1.${i >> 8}.${i & 255}`,
    port: 7946,
    meta,
    incarnation: 1000 + i,
    state: i % 10 === 0 ? 'suspect' : 'alive',
    zone: `eu-west-1${'abc'[i % 3]}`,
    versions,
  };
}

const alive = (i: number): WireMessage => ({
  type: 'alive',
  incarnation: 1000 + i,
  node: member(i).name,
  addr: member(i).addr,
  port: 7946,
  meta,
  zone: member(i).zone,
  versions,
});

const CASES: readonly { readonly name: string; readonly messages: readonly WireMessage[] }[] = [
  {
    name: 'ping',
    messages: [
      {
        type: 'ping',
        seqNo: 123456,
        node: 'node-002.hearsay.svc',
        source: { addr: '10.1.0.1', port: 7946, node: 'node-001.hearsay.svc' },
      },
    ],
  },
  { name: 'alive + meta', messages: [alive(7)] },
  {
    name: 'push-pull, 50 nodes',
    messages: [
      {
        type: 'pushPull',
        join: false,
        nodes: Array.from({ length: 50 }, (_, i) => member(i)),
        userState: new Uint8Array(0),
      },
    ],
  },
  {
    name: 'compound, 10 gossip',
    messages: Array.from({ length: 10 }, (_, i): WireMessage => {
      const node = member(i + 10).name;
      if (i % 3 === 0) return { type: 'suspect', incarnation: 1010 + i, node, from: 'node-001.hearsay.svc' };
      if (i % 3 === 1) return alive(i + 10);
      return { type: 'dead', incarnation: 1010 + i, node, from: node };
    }),
  },
];

/** JSON with bytes as base64 (what a hand-rolled JSON wire format would do). */
function toJson(messages: readonly WireMessage[]): Uint8Array {
  const text = JSON.stringify({ version: PROTOCOL_VERSION, ...header, messages }, (_k, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
  );
  return Buffer.from(text);
}

function fromJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString(), (k, v: unknown) =>
    (k === 'payload' || k === 'userState') && typeof v === 'string' ? Buffer.from(v, 'base64') : v,
  );
}

interface CaseResult {
  readonly name: string;
  readonly messages: number;
  readonly protoBytes: number;
  readonly jsonBytes: number;
  /** Messages encoded+decoded per second, by variant. */
  readonly messagesPerSecond: Readonly<Record<Variant, number>>;
}

const VARIANTS = ['static', 'reflection', 'json', 'raw', 'codec'] as const;
type Variant = (typeof VARIANTS)[number];

export async function run(args: string[]): Promise<void> {
  const arg = (flag: string, fallback: number): number => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const durationMs = arg('--ms', 500);
  const rounds = arg('--rounds', 3);
  const root = protobuf.loadSync(join(repoRoot(), 'src/wire/hearsay.proto'));
  const ReflectedEnvelope = root.lookupType('hearsay.Envelope');
  let sink = 0;

  const results: CaseResult[] = [];
  for (const c of CASES) {
    const n = c.messages.length;
    const proto = { version: PROTOCOL_VERSION, ...header, messages: c.messages.map(toProto) };
    const staticBytes = hearsay.Envelope.encode(proto).finish();
    const reflectedBytes = ReflectedEnvelope.encode(proto).finish();
    if (!Buffer.from(staticBytes).equals(Buffer.from(reflectedBytes))) {
      throw new Error(`${c.name}: static and reflection encodings differ`);
    }
    const jsonBytes = toJson(c.messages);
    const bodies: Record<Variant, () => number> = {
      static: () => {
        const bytes = hearsay.Envelope.encode(proto).finish();
        sink += hearsay.Envelope.decode(bytes).messages.length;
        return n;
      },
      reflection: () => {
        const bytes = ReflectedEnvelope.encode(proto).finish();
        sink += ReflectedEnvelope.decode(bytes) === null ? 0 : 1;
        return n;
      },
      json: () => {
        sink += fromJson(toJson(c.messages)) === null ? 0 : 1;
        return n;
      },
      raw: () => {
        // Two copies of the packet's size: the floor under any encode + decode.
        sink += staticBytes.slice().slice().length;
        return n;
      },
      codec: () => {
        const r = decodePacket(encodePacket(header, c.messages), {
          cluster: header.cluster,
          maxBytes: 1 << 20,
        });
        sink += r.ok ? r.envelope.messages.length : 0;
        return n;
      },
    };
    // Several rounds in rotating order, best of each: JIT warm-up and GC pauses otherwise favour whichever
    // variant happens to run first or last.
    const messagesPerSecond: Record<Variant, number> = {
      static: 0,
      reflection: 0,
      json: 0,
      raw: 0,
      codec: 0,
    };
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < VARIANTS.length; k++) {
        const v = VARIANTS[(k + round) % VARIANTS.length]!;
        messagesPerSecond[v] = Math.max(messagesPerSecond[v], opsPerSecond(bodies[v], durationMs));
      }
    }
    results.push({
      name: c.name,
      messages: n,
      protoBytes: staticBytes.length,
      jsonBytes: jsonBytes.length,
      messagesPerSecond,
    });
    console.log(`${c.name}: ${VARIANTS.map((v) => `${v} ${Math.round(messagesPerSecond[v])}/s`).join(', ')}`);
  }
  if (sink === 42) console.log('');

  const rows = results.map((r) => {
    const s = r.messagesPerSecond;
    return [
      r.name,
      String(r.protoBytes),
      String(r.jsonBytes),
      s.static,
      s.reflection,
      s.json,
      s.raw,
      s.codec,
      `${(s.static / s.reflection).toFixed(2)}×`,
      `${(s.static / s.json).toFixed(2)}×`,
      `${(s.codec / s.static).toFixed(2)}×`,
    ];
  });
  const markdown = [
    '## wire: encode + decode throughput (messages/s)',
    '',
    `\`npm run bench -- wire\` (${durationMs} ms per cell after warm-up; one process, identical inputs).`,
    'static = pbjs static code, reflection = protobufjs loaded from the .proto at runtime, json = JSON text with',
    'base64 bytes, raw = two byte copies of the packet (floor), codec = hearsay codec (static + typed union +',
    'validation).',
    '',
    table(
      [
        'packet',
        'proto B',
        'JSON B',
        'static',
        'reflection',
        'json',
        'raw',
        'codec',
        'static/refl.',
        'static/json',
        'codec/static',
      ],
      rows,
    ),
  ].join('\n');
  console.log(markdown);
  writeResult('wire', { durationMs, rounds, cases: results }, markdown);
}
