import { createSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/runtime/random.js';
import { RealScheduler } from '../../../src/runtime/real.js';
import { encodeFrameHeader, FRAME_HEADER_BYTES, FrameType } from '../../../src/transport/frame-codec.js';
import { RequestRouter } from '../../../src/transport/request-router.js';
import type { PacketDropReason, StreamRejectReason, TransportMetrics } from '../../../src/transport/stats.js';
import { formatAddress, parseAddress, TransportError } from '../../../src/transport/transport.js';
import { UdpTransport, type UdpTransportOptions } from '../../../src/transport/udp-transport.js';

// Real sockets on 127.0.0.1: every datagram the transport drops and every stream connection or request it
// refuses is counted by reason, in `stats` and in the metrics sink it was given.

const scheduler = new RealScheduler(seededRandom(11));
const transports: UdpTransport[] = [];
const sockets: Socket[] = [];
const servers: Server[] = [];

/** A TransportMetrics that records every call, in order. */
function recorder(): TransportMetrics & { drops: PacketDropReason[]; rejects: StreamRejectReason[] } {
  const drops: PacketDropReason[] = [];
  const rejects: StreamRejectReason[] = [];
  return {
    drops,
    rejects,
    packetDropped: (r) => drops.push(r),
    streamRejected: (r) => rejects.push(r),
  };
}

async function make(opts: Partial<UdpTransportOptions> = {}): Promise<UdpTransport> {
  const t = await UdpTransport.bind({ host: '127.0.0.1', port: 0, scheduler, ...opts });
  transports.push(t);
  return t;
}

const portOf = (t: UdpTransport): number => parseAddress(t.localAddress)?.port ?? 0;

async function until(cond: () => boolean, budgetMs = 5_000): Promise<boolean> {
  const end = performance.now() + budgetMs;
  while (!cond() && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
  return cond();
}

/** A raw TCP client connected to `t`, with everything it received and whether the server closed it. */
async function rawClient(
  t: UdpTransport,
): Promise<{ socket: Socket; received: () => Buffer; closed: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port: portOf(t) });
  sockets.push(socket);
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, received: () => Buffer.concat(chunks), closed: () => closed };
}

function requestFrame(id: number, payload: Uint8Array): Buffer {
  return Buffer.concat([encodeFrameHeader(FrameType.Request, id, payload.length), payload]);
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

describe('UdpTransport: dropped datagrams by reason', () => {
  it('counts an empty and an oversize datagram under their reasons and hands neither to the handler', async () => {
    const m = recorder();
    const t = await make({ maxPacketBytes: 200, metrics: m });
    let delivered = 0;
    t.onPacket(() => delivered++);
    const raw = createSocket('udp4');
    try {
      const send = (b: Uint8Array): Promise<void> =>
        new Promise((r) => raw.send(b, portOf(t), '127.0.0.1', () => r()));
      await send(new Uint8Array(0));
      await send(new Uint8Array(201));
      await send(new Uint8Array(200).fill(0xff)); // at the limit: garbage, but the transport's to deliver
      expect(await until(() => m.drops.length === 2 && delivered === 1)).toBe(true);
    } finally {
      raw.close();
    }
    expect([...m.drops].sort()).toEqual(['empty', 'oversize']);
    expect(t.stats.packetsDropped).toMatchObject({ empty: 1, oversize: 1 });
    expect(t.stats.packetsIn).toBe(1);
  });

  it('reports send-side drops and a throwing handler to the metrics sink too', async () => {
    const m = recorder();
    const t = await make({ metrics: m });
    t.onPacket(() => {
      throw new Error('bug');
    });
    t.sendPacket('not an address', Uint8Array.of(1));
    t.sendPacket(t.localAddress, Uint8Array.of(1));
    expect(await until(() => m.drops.includes('handlerError'))).toBe(true);
    expect(m.drops).toContain('badAddress');
    expect(t.stats.packetsDropped).toMatchObject({ badAddress: 1, handlerError: 1 });
  });
});

describe('StreamChannel: first-frame deadline', () => {
  it('closes a connection that sends 3 bytes and no whole frame once the deadline passes, and counts it', async () => {
    const m = recorder();
    const t = await make({ firstFrameTimeoutMs: 200, metrics: m });
    const start = performance.now();
    const c = await rawClient(t);
    c.socket.write(Buffer.from([0, 0, 0]));
    // Generous bound: the default idle close would take 60 s.
    expect(await until(c.closed, 5_000)).toBe(true);
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(m.rejects).toEqual(['first-frame-timeout']);
    expect(t.stats.streamRejected['first-frame-timeout']).toBe(1);
  });

  it('closes a connection that sends nothing, and one that stops inside its first payload', async () => {
    const t = await make({ firstFrameTimeoutMs: 200 });
    const silent = await rawClient(t);
    const partial = await rawClient(t);
    // A whole header announcing 10 bytes, then only 4 of them.
    partial.socket.write(Buffer.concat([encodeFrameHeader(FrameType.Request, 1, 10), Buffer.alloc(4)]));
    expect(await until(() => silent.closed() && partial.closed(), 5_000)).toBe(true);
    expect(t.stats.streamRejected['first-frame-timeout']).toBe(2);
  });

  it('leaves a connection that delivered its first frame open past the deadline', async () => {
    const server = await make({ firstFrameTimeoutMs: 150 });
    server.onRequest(() => Uint8Array.of(7));
    const client = await make();
    expect([...(await client.request(server.localAddress, Uint8Array.of(1), 5_000))]).toEqual([7]);
    await new Promise((r) => setTimeout(r, 450));
    expect([...(await client.request(server.localAddress, Uint8Array.of(2), 5_000))]).toEqual([7]);
    expect(client.stats.connectionsOpened).toBe(1);
    expect(server.stats.streamRejected['first-frame-timeout']).toBe(0);
  });
});

describe('StreamChannel: garbage and refused requests by reason', () => {
  it('closes a connection whose frame header has an unknown type (bad-frame-type)', async () => {
    const m = recorder();
    const t = await make({ metrics: m });
    const c = await rawClient(t);
    const header = encodeFrameHeader(FrameType.Request, 1, 0);
    header.writeUInt8(9, 4);
    c.socket.write(header);
    expect(await until(c.closed)).toBe(true);
    expect(m.rejects).toEqual(['bad-frame-type']);
    expect(t.stats.framesMalformed).toBe(1);
  });

  it('closes a connection that announces a frame above maxFrameBytes (frame-too-large)', async () => {
    const m = recorder();
    const t = await make({ maxFrameBytes: 1024, metrics: m });
    const c = await rawClient(t);
    c.socket.write(encodeFrameHeader(FrameType.Request, 1, 1025));
    expect(await until(c.closed)).toBe(true);
    expect(m.rejects).toEqual(['frame-too-large']);
    expect(t.stats.framesOversize).toBe(1);
  });

  it('closes a connection that sends a response frame to the accepting side (unexpected-frame)', async () => {
    const m = recorder();
    const t = await make({ metrics: m });
    const c = await rawClient(t);
    c.socket.write(Buffer.concat([encodeFrameHeader(FrameType.Response, 1, 1), Buffer.of(0)]));
    expect(await until(c.closed)).toBe(true);
    expect(m.rejects).toEqual(['unexpected-frame']);
  });

  it('counts a bad frame on an outbound connection too, and fails the request', async () => {
    const m = recorder();
    const t = await make({ metrics: m });
    // A "peer" that answers every connection with a header of an unknown type.
    const server = createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        const h = encodeFrameHeader(FrameType.Response, 1, 0);
        h.writeUInt8(0xee, 4);
        s.write(h);
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
    const peer = formatAddress('127.0.0.1', (server.address() as { port: number }).port);
    await expect(t.request(peer, Uint8Array.of(1), 5_000)).rejects.toBeInstanceOf(TransportError);
    expect(m.rejects).toEqual(['bad-frame-type']);
  });

  it('counts an empty request and one for an unknown service, answering both and keeping the connection', async () => {
    const m = recorder();
    const t = await make({ metrics: m });
    new RequestRouter(t).service(0).onRequest(() => Uint8Array.of(1));
    const c = await rawClient(t);
    c.socket.write(requestFrame(1, new Uint8Array(0)));
    c.socket.write(requestFrame(2, Uint8Array.of(42)));
    // Two error responses come back, each header plus a message.
    expect(await until(() => c.received().length > 2 * FRAME_HEADER_BYTES && m.rejects.length === 2)).toBe(
      true,
    );
    expect([...m.rejects].sort()).toEqual(['empty-request', 'unknown-service']);
    expect(c.received().readUInt8(4)).toBe(FrameType.ErrorResponse);
    expect(c.closed()).toBe(false);
    expect(t.stats.streamRejected).toMatchObject({ 'empty-request': 1, 'unknown-service': 1 });
  });

  it('closes an accepted connection left without requests for 2 × idleTimeoutMs (idle-timeout)', async () => {
    const m = recorder();
    const t = await make({ idleTimeoutMs: 100, metrics: m });
    t.onRequest(() => Uint8Array.of(1));
    const c = await rawClient(t);
    c.socket.write(requestFrame(1, Uint8Array.of(0)));
    expect(await until(() => c.received().length === FRAME_HEADER_BYTES + 1)).toBe(true);
    expect(await until(c.closed, 5_000)).toBe(true);
    expect(m.rejects).toEqual(['idle-timeout']);
    expect(t.stats.connectionsIdleClosed).toBe(1);
  });
});
