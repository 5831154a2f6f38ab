/** Small helpers shared by the membership benchmark's parts. */
import type { Address, RequestHandler, SendResult, Transport } from '../../src/transport/transport.js';

/** Traffic sent by a set of transports (memberlist runner: UDP packets/bytes, TCP stream bytes written). */
export interface Traffic {
  udpPkts: number;
  udpBytes: number;
  tcpBytes: number;
}

export function zeroTraffic(): Traffic {
  return { udpPkts: 0, udpBytes: 0, tcpBytes: 0 };
}

export function minus(a: Traffic, b: Traffic): Traffic {
  return {
    udpPkts: a.udpPkts - b.udpPkts,
    udpBytes: a.udpBytes - b.udpBytes,
    tcpBytes: a.tcpBytes - b.tcpBytes,
  };
}

/**
 * Wraps a transport and counts what it sends into `counter` (shared by all nodes of a run, like the peer
 * runner's process-wide counters): every sendPacket call (whether or not the kernel took it), request
 * payloads we send and response payloads we answer with (both directions of the reliable channel).
 */
export class CountingTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly counter: Traffic,
  ) {}

  get localAddress(): Address {
    return this.inner.localAddress;
  }
  get maxPacketBytes(): number {
    return this.inner.maxPacketBytes;
  }
  get maxFrameBytes(): number {
    return this.inner.maxFrameBytes;
  }
  sendPacket(to: Address, bytes: Uint8Array): SendResult {
    this.counter.udpPkts++;
    this.counter.udpBytes += bytes.length;
    return this.inner.sendPacket(to, bytes);
  }
  onPacket(handler: (from: Address, bytes: Uint8Array) => void): void {
    this.inner.onPacket(handler);
  }
  request(to: Address, bytes: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    this.counter.tcpBytes += bytes.length;
    return this.inner.request(to, bytes, timeoutMs);
  }
  onRequest(handler: RequestHandler): void {
    this.inner.onRequest(async (from, bytes) => {
      const resp = await handler(from, bytes);
      this.counter.tcpBytes += resp.length;
      return resp;
    });
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Dist {
  readonly min: number;
  readonly median: number;
  readonly mean: number;
  readonly max: number;
  readonly count: number;
}

/** min / median (nearest rank, upper, as the peer runner) / mean / max; null for an empty sample. */
export function dist(xs: readonly number[]): Dist | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return {
    min: s[0] as number,
    median: s[Math.floor(s.length / 2)] as number,
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    max: s[s.length - 1] as number,
    count: s.length,
  };
}

/** The value of `--name v` in args. */
export function arg(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export function numList(v: string | undefined, fallback: readonly number[]): number[] {
  if (v === undefined) return [...fallback];
  if (v === '' || v === 'none') return [];
  return v
    .split(',')
    .map(Number)
    .filter((x) => Number.isFinite(x) && x > 0);
}
