import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/runtime/random.js';
import { RealScheduler } from '../../../src/runtime/real.js';
import { resolveTransportConfig } from '../../../src/transport/config.js';
import { encodeFrameHeader, FrameType } from '../../../src/transport/frame-codec.js';
import { parseAddress } from '../../../src/transport/transport.js';
import { UdpTransport, type UdpTransportOptions } from '../../../src/transport/udp-transport.js';

const scheduler = new RealScheduler(seededRandom(7));
const open: UdpTransport[] = [];

async function make(opts: Partial<UdpTransportOptions> = {}): Promise<UdpTransport> {
  const t = await UdpTransport.bind({ host: '127.0.0.1', port: 0, scheduler, ...opts });
  open.push(t);
  return t;
}

async function until(cond: () => boolean, budgetMs = 5_000): Promise<boolean> {
  const end = performance.now() + budgetMs;
  while (!cond() && performance.now() < end) await new Promise((r) => setTimeout(r, 2));
  return cond();
}

function portOf(t: UdpTransport): number {
  return parseAddress(t.localAddress)?.port ?? 0;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe('UdpTransport', () => {
  it('binds UDP and TCP on the same ephemeral port', async () => {
    const t = await make();
    const port = portOf(t);
    expect(port).toBeGreaterThan(0);
    // TCP answers on that port…
    t.onRequest(() => Uint8Array.of(1));
    const other = await make();
    expect([...(await other.request(t.localAddress, Uint8Array.of(0), 5_000))]).toEqual([1]);
    // …and so does UDP.
    let got = 0;
    t.onPacket(() => got++);
    other.sendPacket(t.localAddress, Uint8Array.of(1));
    expect(await until(() => got === 1)).toBe(true);
  });

  it('fails to bind an explicit port that is already taken', async () => {
    const t = await make();
    await expect(UdpTransport.bind({ host: '127.0.0.1', port: portOf(t), scheduler })).rejects.toThrow();
  });

  it('fails to bind when only the UDP side of an explicit port is taken, and frees the TCP side', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind({ address: '127.0.0.1', port: 0 }, () => r()));
    const port = udp.address().port;
    try {
      await expect(UdpTransport.bind({ host: '127.0.0.1', port, scheduler })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await new Promise<void>((r) => udp.close(() => r()));
    }
    // Both sides free again: the failed attempt released its TCP listener.
    const t = await make({ port });
    expect(portOf(t)).toBe(port);
  });

  it('counts and drops oversize and empty datagrams from raw senders', async () => {
    const t = await make({ maxPacketBytes: 100 });
    let delivered = 0;
    t.onPacket(() => delivered++);
    const raw = createSocket('udp4');
    try {
      const send = (b: Uint8Array): Promise<void> =>
        new Promise((r) => raw.send(b, portOf(t), '127.0.0.1', () => r()));
      await send(new Uint8Array(101));
      await send(new Uint8Array(0));
      await send(new Uint8Array(100));
      expect(await until(() => delivered === 1 && t.stats.packetsDropped.oversize === 1)).toBe(true);
      expect(await until(() => t.stats.packetsDropped.empty === 1)).toBe(true);
      expect(t.stats.packetsIn).toBe(1);
    } finally {
      raw.close();
    }
  });

  it('survives a throwing packet handler and counts it', async () => {
    const a = await make();
    const b = await make();
    let calls = 0;
    b.onPacket(() => {
      calls++;
      throw new Error('bug');
    });
    a.sendPacket(b.localAddress, Uint8Array.of(1));
    a.sendPacket(b.localAddress, Uint8Array.of(2));
    expect(await until(() => calls === 2)).toBe(true);
    expect(b.stats.packetsDropped.handlerError).toBe(2);
  });

  it('counts a datagram to a malformed address as dropped instead of throwing', async () => {
    const a = await make();
    expect(a.sendPacket('nonsense', Uint8Array.of(1))).toEqual({ ok: true });
    expect(a.stats.packetsDropped.badAddress).toBe(1);
  });

  it('counts packets and bytes both ways', async () => {
    const a = await make();
    const b = await make();
    let got = 0;
    b.onPacket(() => got++);
    for (let i = 0; i < 5; i++) a.sendPacket(b.localAddress, new Uint8Array(10));
    expect(await until(() => got === 5)).toBe(true);
    expect(a.stats.packetsOut).toBe(5);
    expect(a.stats.packetBytesOut).toBe(50);
    expect(b.stats.packetsIn).toBe(5);
    expect(b.stats.packetBytesIn).toBe(50);
  });
});

describe('stream channel', () => {
  it('reuses one connection per peer for sequential and concurrent requests', async () => {
    const a = await make();
    const b = await make();
    b.onRequest((_f, req) => req);
    for (let i = 0; i < 10; i++) await a.request(b.localAddress, Uint8Array.of(i), 5_000);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => a.request(b.localAddress, Uint8Array.of(i), 5_000)),
    );
    expect(a.stats.connectionsOpened).toBe(1);
    expect(b.stats.connectionsAccepted).toBe(1);
    expect(a.outboundConnections).toBe(1);
    expect(a.stats.requestsSent).toBe(30);
    expect(b.stats.requestsServed).toBe(30);
  });

  it('spreads concurrent requests over up to maxConnsPerPeer connections', async () => {
    const a = await make({ maxConnsPerPeer: 3 });
    const b = await make();
    b.onRequest(async (_f, req) => req);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => a.request(b.localAddress, Uint8Array.of(i), 5_000)),
    );
    expect(a.stats.connectionsOpened).toBeGreaterThanOrEqual(1);
    expect(a.stats.connectionsOpened).toBeLessThanOrEqual(3);
  });

  it('closes an idle connection and reconnects for the next request', async () => {
    const a = await make({ idleTimeoutMs: 30 });
    const b = await make();
    b.onRequest((_f, req) => req);
    await a.request(b.localAddress, Uint8Array.of(1), 5_000);
    expect(await until(() => a.outboundConnections === 0)).toBe(true);
    expect(a.stats.connectionsIdleClosed).toBe(1);
    expect([...(await a.request(b.localAddress, Uint8Array.of(2), 5_000))]).toEqual([2]);
    expect(a.stats.connectionsOpened).toBe(2);
  });

  it('reconnects after the peer restarts on the same port', async () => {
    const a = await make();
    const b = await make();
    b.onRequest(() => Uint8Array.of(1));
    await a.request(b.localAddress, Uint8Array.of(0), 5_000);
    const port = portOf(b);
    await b.close();
    expect(await until(() => a.outboundConnections === 0)).toBe(true);
    const b2 = await make({ port });
    b2.onRequest(() => Uint8Array.of(2));
    expect([...(await a.request(b2.localAddress, Uint8Array.of(0), 5_000))]).toEqual([2]);
  });

  it('ignores a response that arrives after its request timed out', async () => {
    const a = await make();
    const b = await make();
    let release: () => void = () => {};
    b.onRequest(
      () =>
        new Promise<Uint8Array>((r) => {
          release = () => r(Uint8Array.of(9));
        }),
    );
    await expect(a.request(b.localAddress, Uint8Array.of(0), 20)).rejects.toMatchObject({ code: 'timeout' });
    release();
    expect(await until(() => a.stats.framesUnmatched === 1)).toBe(true);
  });

  it('closes an inbound connection that announces a frame above maxFrameBytes', async () => {
    const t = await make({ maxFrameBytes: 1024 });
    t.onRequest(() => Uint8Array.of(1));
    const sock = connect({ host: '127.0.0.1', port: portOf(t) });
    sock.on('error', () => {});
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.write(encodeFrameHeader(FrameType.Request, 1, 1025));
    await closed;
    expect(t.stats.framesOversize).toBe(1);
  });

  it('closes an inbound connection that sends garbage', async () => {
    const t = await make();
    const sock = connect({ host: '127.0.0.1', port: portOf(t) });
    sock.on('error', () => {});
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await closed;
    expect(t.stats.framesOversize + t.stats.framesMalformed).toBe(1);
  });

  it('answers "no request handler" as a remote error when none is installed', async () => {
    const a = await make();
    const b = await make();
    await expect(a.request(b.localAddress, Uint8Array.of(0), 5_000)).rejects.toMatchObject({
      code: 'remote',
      message: expect.stringContaining('no request handler'),
    });
  });
});

describe('resolveTransportConfig', () => {
  it('fills defaults', () => {
    const c = resolveTransportConfig({ port: 7946 });
    expect(c.port).toBe(7946);
    expect(c.maxPacketBytes).toBe(1400);
    expect(c.maxFrameBytes).toBe(8 * 1024 * 1024);
  });

  it.each([
    { port: -1 },
    { port: 70000 },
    { maxPacketBytes: 0 },
    { maxPacketBytes: 70000 },
    { maxConnsPerPeer: 0 },
  ])('rejects %j', (bad) => {
    expect(() => resolveTransportConfig(bad)).toThrow(RangeError);
  });
});
