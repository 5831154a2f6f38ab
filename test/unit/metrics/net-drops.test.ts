import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HearsayNode, startNode } from '../../../src/node.js';
import { encodeFrameHeader, FRAME_HEADER_BYTES, FrameType } from '../../../src/transport/frame-codec.js';
import { parseAddress } from '../../../src/transport/transport.js';
import { encodePacket, sealPacket } from '../../../src/wire/index.js';
import { checkExposition, type Exposition, sampleValue } from './exposition.js';

// One real node (src/node.ts, in this process, real sockets on 127.0.0.1, in-memory storage) with a cluster
// label: each kind of garbage sent to its gossip port shows up in GET /metrics under its own reason,
// whichever layer dropped it (transport, label/seal check, decoder).

const CLUSTER = 'drops';
const LABEL = 'blue';
let node: HearsayNode;
let port = 0;

beforeAll(async () => {
  node = await startNode({
    name: 'd1',
    cluster: CLUSTER,
    bind: '127.0.0.1',
    port: 0,
    httpPort: 0,
    zone: '',
    join: [],
    profile: 'local',
    mtuBytes: 1400,
    encrypt: [],
    label: LABEL,
    dataDir: ':memory:',
  });
  port = parseAddress(node.address)?.port ?? 0;
});

afterAll(async () => {
  await node?.close();
});

async function scrape(): Promise<Exposition> {
  const res = await fetch(`http://127.0.0.1:${node.httpPort}/metrics`);
  expect(res.status).toBe(200);
  const { exposition, errors } = checkExposition(await res.text());
  expect(errors).toEqual([]);
  return exposition;
}

const dropped = (x: Exposition, reason: string): number => {
  try {
    return sampleValue(x, 'hearsay_net_packets_dropped_total', { reason });
  } catch {
    return 0; // no series yet
  }
};

/** Polls GET /metrics (bounded) until `cond` holds on a scrape; returns the last scrape. */
async function scrapeUntil(cond: (x: Exposition) => boolean, budgetMs = 5_000): Promise<Exposition> {
  const end = performance.now() + budgetMs;
  let x = await scrape();
  while (!cond(x) && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    x = await scrape();
  }
  return x;
}

async function sendDatagrams(...packets: Uint8Array[]): Promise<void> {
  const raw = createSocket('udp4');
  try {
    for (const p of packets) await new Promise<void>((r) => raw.send(p, port, '127.0.0.1', () => r()));
  } finally {
    raw.close();
  }
}

const labelled = (label: string, body: Uint8Array): Uint8Array => sealPacket(body, { label });

describe('dropped datagrams reach /metrics by reason (real node)', () => {
  it('empty, oversize, garbage and wrong-label datagrams are each counted under their reason', async () => {
    const before = await scrape();
    const reasons = ['empty', 'oversize', 'malformed', 'bad-label', 'missing-label'];
    const base = Object.fromEntries(reasons.map((r) => [r, dropped(before, r)]));
    const garbage = new Uint8Array(64).fill(0xff); // field 31 with wire type 7: not protobuf
    const ping = encodePacket({ cluster: CLUSTER, sender: 'x' }, [{ type: 'ping', seqNo: 1, node: 'd1' }]);
    await sendDatagrams(
      new Uint8Array(0),
      new Uint8Array(1401),
      labelled(LABEL, garbage),
      labelled('red', ping),
      ping, // no label at all, to a labelled node
    );
    const want = { empty: 1, oversize: 1, malformed: 1, 'bad-label': 1, 'missing-label': 1 };
    const x = await scrapeUntil((s) => reasons.every((r) => dropped(s, r) >= (base[r] ?? 0) + 1));
    for (const [r, n] of Object.entries(want)) expect(dropped(x, r) - (base[r] ?? 0)).toBe(n);
  });

  it('skipped messages of an unknown kind are counted, and the packet is not dropped', async () => {
    const read = (x: Exposition): number => sampleValue(x, 'hearsay_net_unknown_messages_total');
    const before = read(await scrape());
    // A known ack followed by a Message with an unknown oneof field (a newer peer's addition).
    const ack = encodePacket({ cluster: CLUSTER, sender: 'x' }, [
      { type: 'ack', seqNo: 99, payload: new Uint8Array(0) },
    ]);
    const unknownMessage = Uint8Array.of(0x22, 0x03, 0x9a, 0x06, 0x00);
    await sendDatagrams(labelled(LABEL, Uint8Array.from([...ack, ...unknownMessage])));
    const x = await scrapeUntil((s) => read(s) > before);
    expect(read(x) - before).toBe(1);
  });

  it('a store request frame with another cluster label is refused and counted in stream_rejected', async () => {
    const read = async (reason: string): Promise<number> =>
      sampleValue(await scrape(), 'hearsay_net_stream_rejected_total', { reason });
    const before = await read('bad-label');
    const socket = connect({ host: '127.0.0.1', port });
    try {
      socket.on('error', () => {});
      const got: Buffer[] = [];
      socket.on('data', (c: Buffer) => got.push(c));
      await new Promise<void>((r) => socket.once('connect', () => r()));
      // Service 1 is the store; its frames must carry our label.
      const payload = Uint8Array.from([1, ...labelled('red', Uint8Array.of(0x0a, 0x00))]);
      socket.write(Buffer.concat([encodeFrameHeader(FrameType.Request, 1, payload.length), payload]));
      const end = performance.now() + 5_000;
      while (Buffer.concat(got).length < FRAME_HEADER_BYTES && performance.now() < end)
        await new Promise((r) => setTimeout(r, 10));
      // The requester is told why, as an error response.
      expect(Buffer.concat(got).readUInt8(4)).toBe(FrameType.ErrorResponse);
      expect(Buffer.concat(got).subarray(FRAME_HEADER_BYTES).toString()).toContain('bad-label');
    } finally {
      socket.destroy();
    }
    expect((await read('bad-label')) - before).toBe(1);
  });
});
