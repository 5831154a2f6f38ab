/**
 * Inputs for fuzzing decodePacket, shared by the bounded test (fuzz.test.ts) and the long run
 * (bench/fuzz.ts): random bytes, and valid packets mutated the ways real corruption and attacks do
 * (bit flips, truncation, splices of two packets, length varints that lie, inserted and repeated bytes).
 */
import type { Random } from '../../../src/runtime/random.js';
import { encodePacket } from '../../../src/wire/codec.js';
import type { PacketHeader, PushNodeState, WireMessage } from '../../../src/wire/messages.js';

export const FUZZ_CLUSTER = 'fuzz';

const versions = {
  protocolMin: 1,
  protocolMax: 1,
  protocolCur: 1,
  delegateMin: 0,
  delegateMax: 2,
  delegateCur: 1,
};
const member = (i: number): PushNodeState => ({
  name: `node-${i}`,
  addr: `10.0.${i >> 8}.${i & 255}`,
  port: 7946,
  meta: { role: 'kv', http: '8080' },
  incarnation: i * 3,
  state: i % 7 === 0 ? 'suspect' : 'alive',
  zone: `z${i % 3}`,
  versions,
});

/** One message of every kind, with every optional field set. */
export const SAMPLE_MESSAGES: readonly WireMessage[] = [
  { type: 'ping', seqNo: 42, node: 'node-2', source: { addr: '10.0.0.1', port: 7946, node: 'node-1' } },
  { type: 'ack', seqNo: 42, payload: new Uint8Array([1, 2, 3, 4]) },
  { type: 'nack', seqNo: 0xffffffff },
  {
    type: 'pingReq',
    seqNo: 7,
    node: 'node-3',
    targetAddr: '10.0.0.3',
    targetPort: 7946,
    nack: true,
    source: { addr: '10.0.0.1', port: 7946, node: 'node-1' },
  },
  { type: 'suspect', incarnation: 5, node: 'node-3', from: 'node-1' },
  {
    type: 'alive',
    incarnation: 6,
    node: 'node-3',
    addr: '10.0.0.3',
    port: 7946,
    meta: { role: 'kv', http: '8080' },
    zone: 'eu-1a',
    versions,
  },
  { type: 'dead', incarnation: 6, node: 'node-4', from: 'node-4' },
  { type: 'pushPull', join: true, nodes: [0, 1, 2, 7].map(member), userState: new Uint8Array([9, 9]) },
  {
    type: 'userEvent',
    ltime: 2 ** 40 + 3,
    name: 'deploy',
    payload: new Uint8Array([0xca, 0xfe]),
    coalesce: true,
  },
];

/** Valid packets to mutate: every message alone, all together, and random compounds. */
export function fuzzCorpus(rng: Random, extra = 32): Uint8Array[] {
  const header: PacketHeader = { cluster: FUZZ_CLUSTER, sender: 'node-1' };
  const corpus = SAMPLE_MESSAGES.map((m) => encodePacket(header, [m]));
  corpus.push(encodePacket(header, SAMPLE_MESSAGES));
  for (let i = 0; i < extra; i++) {
    const msgs = Array.from(
      { length: 1 + rng.int(12) },
      () => SAMPLE_MESSAGES[rng.int(SAMPLE_MESSAGES.length)]!,
    );
    corpus.push(encodePacket(header, msgs));
  }
  return corpus;
}

// Varint values that sit on encoding boundaries or claim far more bytes than any packet has.
const LIES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x3fff, 0x4000, 0x1fffff, 0x0fffffff, 0xffffffff];

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function randomBytes(rng: Random, length: number): number[] {
  return Array.from({ length }, () => rng.int(256));
}

function mutate(rng: Random, input: number[], corpus: readonly Uint8Array[]): number[] {
  const b = input.slice();
  const at = (): number => rng.int(b.length + 1);
  switch (rng.int(7)) {
    case 0: {
      for (let k = 1 + rng.int(8); k > 0 && b.length > 0; k--) {
        const i = rng.int(b.length);
        b[i] = b[i]! ^ (1 << rng.int(8));
      }
      return b;
    }
    case 1:
      return b.slice(0, at());
    case 2: {
      const other = corpus[rng.int(corpus.length)]!;
      return [...b.slice(0, at()), ...other.subarray(rng.int(other.length + 1))];
    }
    case 3: {
      // A length (or any varint) that lies: overwrite one byte with a boundary varint.
      const i = at();
      const lie = rng.int(4) === 0 ? b.length - i + rng.int(5) - 2 : LIES[rng.int(LIES.length)]!;
      return [...b.slice(0, i), ...varint(Math.max(0, lie)), ...b.slice(i + 1)];
    }
    case 4: {
      const i = at();
      return [...b.slice(0, i), ...randomBytes(rng, 1 + rng.int(8)), ...b.slice(i)];
    }
    case 5: {
      const i = at();
      const j = i + rng.int(b.length - i + 1);
      return [...b.slice(0, j), ...b.slice(i, j), ...b.slice(j)];
    }
    default: {
      if (b.length > 0) b[rng.int(b.length)] = [0x00, 0x7f, 0x80, 0xff][rng.int(4)]!;
      return b;
    }
  }
}

/** One fuzz input: a quarter random bytes, the rest one mutation of a valid packet (a quarter of those 2–4). */
export function fuzzInput(rng: Random, corpus: readonly Uint8Array[]): Uint8Array {
  if (rng.int(4) === 0) return new Uint8Array(randomBytes(rng, rng.int(300)));
  let b = [...corpus[rng.int(corpus.length)]!];
  for (let k = rng.int(4) === 0 ? 2 + rng.int(3) : 1; k > 0; k--) b = mutate(rng, b, corpus);
  return new Uint8Array(b);
}
