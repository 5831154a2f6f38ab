import type { Scheduler } from '../runtime/scheduler.js';
import {
  type Address,
  type PacketHandler,
  type RequestHandler,
  type SendResult,
  type Transport,
  TransportError,
  type TransportErrorCode,
} from '../transport/transport.js';
import type { NodeHost } from './node-host.js';

/** A request this transport issued and has not yet settled. */
export interface PendingRequest {
  settled: boolean;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (err: TransportError) => void;
  cancelTimeout: () => void;
}

/** What a SimTransport needs from the network it lives in (implemented by SimNetwork). */
export interface SimFabric {
  sendPacket(from: SimTransport, to: Address, bytes: Uint8Array): void;
  startRequest(from: SimTransport, pending: PendingRequest, to: Address, bytes: Uint8Array): void;
  requestFailed(): void;
  transportClosed(t: SimTransport): void;
}

const OK: SendResult = { ok: true };
const CLOSED: SendResult = { ok: false, error: 'closed' };
const OVERSIZE: SendResult = { ok: false, error: 'oversize' };

/**
 * One node's Transport in a SimNetwork. It only checks limits and lifecycle; everything that happens on the
 * wire (latency, loss, partitions) is the network's business.
 */
export class SimTransport implements Transport {
  closed = false;
  packetHandler: PacketHandler | null = null;
  requestHandler: RequestHandler | null = null;
  readonly pending = new Set<PendingRequest>();

  constructor(
    private readonly fabric: SimFabric,
    readonly host: NodeHost,
    /** The incarnation's timers: request timeouts are node-local (they stall with the node, skew with it). */
    readonly scheduler: Scheduler,
    readonly maxPacketBytes: number,
    readonly maxFrameBytes: number,
  ) {}

  get localAddress(): Address {
    return this.host.address;
  }

  sendPacket(to: Address, bytes: Uint8Array): SendResult {
    if (this.closed) return CLOSED;
    if (bytes.length > this.maxPacketBytes) return OVERSIZE;
    this.fabric.sendPacket(this, to, bytes);
    return OK;
  }

  onPacket(handler: PacketHandler): void {
    this.packetHandler = handler;
  }

  request(to: Address, bytes: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new TransportError('closed', 'transport is closed'));
    if (bytes.length > this.maxFrameBytes) {
      return Promise.reject(
        new TransportError('oversize', `request of ${bytes.length} bytes exceeds ${this.maxFrameBytes}`),
      );
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const pending: PendingRequest = { settled: false, resolve, reject, cancelTimeout: () => {} };
      this.pending.add(pending);
      const ms = Number.isFinite(timeoutMs) ? Math.max(0, timeoutMs) : 0;
      pending.cancelTimeout = this.scheduler.after(ms, () =>
        this.fail(pending, 'timeout', `no response from ${to} within ${timeoutMs} ms`),
      );
      this.fabric.startRequest(this, pending, to, bytes);
    });
  }

  onRequest(handler: RequestHandler): void {
    this.requestHandler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending]) this.fail(p, 'closed', 'transport closed');
    this.fabric.transportClosed(this);
  }

  /** Resolves a pending request with the peer's response (no-op if it already settled). */
  succeed(p: PendingRequest, bytes: Uint8Array): void {
    if (p.settled) return;
    p.settled = true;
    this.pending.delete(p);
    p.cancelTimeout();
    p.resolve(bytes);
  }

  fail(p: PendingRequest, code: TransportErrorCode, message: string): void {
    if (p.settled) return;
    p.settled = true;
    this.pending.delete(p);
    p.cancelTimeout();
    this.fabric.requestFailed();
    p.reject(new TransportError(code, message));
  }

  /** A crash: the process is gone, so its pending requests never settle and no handler runs again. */
  kill(): void {
    this.closed = true;
    for (const p of this.pending) {
      p.settled = true;
      p.cancelTimeout();
    }
    this.pending.clear();
  }
}
