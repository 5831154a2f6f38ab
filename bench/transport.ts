/**
 * Transport throughput on loopback: our UdpTransport and stream channel beside bare node:dgram / node:net
 * baselines measured in the same run with the same sizes and pacing, so the ratio shows our overhead.
 *
 *   npm run bench -- transport
 *   args: --duration-ms <n> (per measurement, default 1000)
 */
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { seededRandom } from '../src/runtime/random.js';
import { RealScheduler } from '../src/runtime/real.js';
import { UdpTransport } from '../src/transport/udp-transport.js';
import { table, writeResult } from './report.js';

const HOST = '127.0.0.1';
/** Packets sent before yielding to the event loop, so the receiver (same process) gets to read. */
const BURST = 32;
const MAX_PACKETS = 2_000_000;
const MAX_ROUND_TRIPS = 1_000_000;

interface Row {
  readonly what: string;
  readonly ours: number;
  readonly raw: number;
  readonly oursLossPct?: number;
  readonly rawLossPct?: number;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends bursts through `send` for `durationMs` (bounded by MAX_PACKETS), then waits briefly for stragglers.
 * Returns packets received per second of sending time, and the loss fraction (kernel buffer overflow).
 */
async function packetRate(
  send: () => void,
  received: () => number,
  durationMs: number,
): Promise<{ perSec: number; lossPct: number }> {
  const base = received();
  let sent = 0;
  const start = performance.now();
  const end = start + durationMs;
  while (performance.now() < end && sent < MAX_PACKETS) {
    for (let i = 0; i < BURST; i++) send();
    sent += BURST;
    await yieldToLoop();
  }
  const elapsedS = (performance.now() - start) / 1000;
  await sleep(50);
  const got = received() - base;
  return { perSec: got / elapsedS, lossPct: (100 * (sent - got)) / sent };
}

/** Round trips/s with `concurrency` requests kept in flight, for `durationMs` (bounded by MAX_ROUND_TRIPS). */
async function roundTripRate(
  rt: () => Promise<void>,
  concurrency: number,
  durationMs: number,
): Promise<number> {
  // Warm-up (bounded in time and count): connection setup, JIT and TCP window growth are not what we measure.
  const warmEnd = performance.now() + Math.min(300, durationMs / 2);
  for (let i = 0; i < 100_000 && performance.now() < warmEnd; i++) await rt();
  let done = 0;
  const start = performance.now();
  const end = start + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end && done < MAX_ROUND_TRIPS) {
      await rt();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - start) / 1000);
}

function bindDgram(): Promise<DgramSocket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind({ address: HOST, port: 0 }, () => resolve(s)));
}

async function oursPackets(size: number, durationMs: number): Promise<{ perSec: number; lossPct: number }> {
  const scheduler = new RealScheduler(seededRandom(1));
  const a = await UdpTransport.bind({ host: HOST, port: 0, scheduler });
  const b = await UdpTransport.bind({ host: HOST, port: 0, scheduler });
  try {
    let got = 0;
    b.onPacket(() => got++);
    const payload = new Uint8Array(size);
    await packetRate(
      () => a.sendPacket(b.localAddress, payload),
      () => got,
      100,
    ); // warm-up
    return await packetRate(
      () => a.sendPacket(b.localAddress, payload),
      () => got,
      durationMs,
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

async function rawPackets(size: number, durationMs: number): Promise<{ perSec: number; lossPct: number }> {
  const a = await bindDgram();
  const b = await bindDgram();
  try {
    let got = 0;
    b.on('message', () => got++);
    const port = b.address().port;
    const payload = new Uint8Array(size);
    await packetRate(
      () => a.send(payload, port, HOST),
      () => got,
      100,
    );
    return await packetRate(
      () => a.send(payload, port, HOST),
      () => got,
      durationMs,
    );
  } finally {
    a.close();
    b.close();
  }
}

async function oursRoundTrips(size: number, concurrency: number, durationMs: number): Promise<number> {
  const scheduler = new RealScheduler(seededRandom(2));
  const a = await UdpTransport.bind({ host: HOST, port: 0, scheduler });
  const b = await UdpTransport.bind({ host: HOST, port: 0, scheduler });
  try {
    b.onRequest((_from, req) => req);
    const payload = new Uint8Array(size);
    return await roundTripRate(
      async () => {
        await a.request(b.localAddress, payload, 10_000);
      },
      concurrency,
      durationMs,
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/**
 * The raw baseline: a node:net echo of 4-byte length-prefixed frames, and a client that pipelines requests
 * on one connection and matches responses in order (TCP keeps order; no ids needed).
 */
async function rawRoundTrips(size: number, concurrency: number, durationMs: number): Promise<number> {
  const server: Server = createServer((s) => {
    s.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      while (buf.length >= 4) {
        const n = buf.readUInt32BE(0);
        if (buf.length < 4 + n) break;
        s.write(buf.subarray(0, 4 + n));
        buf = buf.subarray(4 + n);
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen({ host: HOST, port: 0 }, r));
  const port = (server.address() as { port: number }).port;
  const client: Socket = connect({ host: HOST, port, noDelay: true });
  await new Promise<void>((r) => client.once('connect', () => r()));
  const waiting: (() => void)[] = [];
  let buf: Buffer = Buffer.alloc(0);
  client.on('data', (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    while (buf.length >= 4) {
      const n = buf.readUInt32BE(0);
      if (buf.length < 4 + n) break;
      buf = buf.subarray(4 + n);
      waiting.shift()?.();
    }
  });
  const frame = Buffer.alloc(4 + size);
  frame.writeUInt32BE(size, 0);
  try {
    return await roundTripRate(
      () =>
        new Promise<void>((r) => {
          waiting.push(r);
          client.write(frame);
        }),
      concurrency,
      durationMs,
    );
  } finally {
    client.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function parseDuration(args: readonly string[]): number {
  const i = args.indexOf('--duration-ms');
  const v = i >= 0 ? Number(args[i + 1]) : 1000;
  return Number.isFinite(v) && v > 0 ? v : 1000;
}

/** Rounds per measurement, alternating raw and ours; the best of each is kept (the box is shared and noisy). */
const ROUNDS = 2;

async function bestOf<T>(measure: () => Promise<T>, score: (t: T) => number): Promise<T> {
  let best = await measure();
  for (let i = 1; i < ROUNDS; i++) {
    const next = await measure();
    if (score(next) > score(best)) best = next;
  }
  return best;
}

export async function run(args: string[]): Promise<void> {
  const durationMs = parseDuration(args);
  const rows: Row[] = [];
  const perSec = (r: { perSec: number }): number => r.perSec;
  const id = (x: number): number => x;
  for (const size of [100, 1400]) {
    const raw = await bestOf(() => rawPackets(size, durationMs), perSec);
    const ours = await bestOf(() => oursPackets(size, durationMs), perSec);
    rows.push({
      what: `UDP datagrams/s received, ${size} B`,
      ours: ours.perSec,
      raw: raw.perSec,
      oursLossPct: ours.lossPct,
      rawLossPct: raw.lossPct,
    });
  }
  for (const [size, conc] of [
    [100, 1],
    [100, 32],
    [64 * 1024, 1],
  ] as const) {
    const raw = await bestOf(() => rawRoundTrips(size, conc, durationMs), id);
    const ours = await bestOf(() => oursRoundTrips(size, conc, durationMs), id);
    rows.push({ what: `request round trips/s, ${size} B, ${conc} in flight`, ours, raw });
  }
  const md = [
    '## transport (loopback, one process)',
    '',
    `Sender and receiver in one Node process on ${HOST}; best of ${ROUNDS} runs of ${durationMs} ms each.`,
    `UDP: bursts of ${BURST}`,
    'then a yield to the event loop; "loss" is the kernel dropping datagrams when the receive buffer fills.',
    'Raw baselines: bare node:dgram sockets; a node:net echo of 4-byte length-prefixed frames.',
    '',
    table(
      ['measurement', 'ours', 'raw', 'ours/raw', 'loss ours / raw %'],
      rows.map((r) => [
        r.what,
        r.ours,
        r.raw,
        r.raw > 0 ? (r.ours / r.raw).toFixed(2) : 'n/a',
        r.oursLossPct === undefined ? '' : `${r.oursLossPct.toFixed(1)} / ${(r.rawLossPct ?? 0).toFixed(1)}`,
      ]),
    ),
    '',
    'Command: `npm run bench -- transport`',
  ].join('\n');
  console.log(md);
  writeResult('transport', { durationMs, rows }, md);
}
