import { connect, type Server, type Socket } from 'node:net';
import type { Cancel, Scheduler } from '../runtime/scheduler.js';
import {
  checkFrameSize,
  type DecodeError,
  encodeFrameHeader,
  type Frame,
  FrameDecoder,
  FrameType,
} from './frame-codec.js';
import type { StreamRejectReason, TransportLogger, TransportMetrics, TransportStats } from './stats.js';
import {
  type Address,
  formatAddress,
  parseAddress,
  type RequestHandler,
  RequestRefusedError,
  TransportError,
  type TransportErrorCode,
} from './transport.js';

export interface StreamChannelInit {
  readonly maxFrameBytes: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly firstFrameTimeoutMs: number;
  readonly maxConnsPerPeer: number;
}

export interface StreamChannelComponents {
  readonly scheduler: Scheduler;
  readonly stats: TransportStats;
  readonly metrics: TransportMetrics;
  readonly log: TransportLogger;
}

/** Error messages travel in error-response frames; cap them so a huge message cannot hit maxFrameBytes. */
const MAX_ERROR_MESSAGE_BYTES = 4096;

interface Pending {
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (err: TransportError) => void;
  readonly cancelTimer: Cancel;
}

/**
 * One pooled outbound TCP connection. Requests are multiplexed on it by id; responses may come back in
 * any order. Writes issued while still connecting are queued by node:net.
 */
class OutboundConnection {
  readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private connected = false;
  private dead = false;
  private lastError: NodeJS.ErrnoException | null = null;
  private cancelIdle: Cancel;
  /** Requests sent so far; the idle check compares it with the count it saw last time. */
  private activity = 0;
  private activitySeen = 0;
  private cancelConnect: Cancel;
  private readonly decoder: FrameDecoder;
  private readonly socket: Socket;

  constructor(
    private readonly channel: StreamChannel,
    readonly peer: Address,
    host: string,
    port: number,
    private readonly onGone: (conn: OutboundConnection) => void,
  ) {
    const { stats, scheduler } = channel.components;
    stats.connectionsOpened++;
    this.decoder = new FrameDecoder(channel.init.maxFrameBytes);
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('connect', () => {
      this.connected = true;
      this.cancelConnect();
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // Without an 'error' listener node would throw the error and crash the process.
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.lastError = err;
    });
    this.socket.on('close', () => this.onClose());
    this.cancelConnect = scheduler.after(channel.init.connectTimeoutMs, () => {
      if (this.connected) return;
      this.lastError = Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' });
      this.socket.destroy();
    });
    this.cancelIdle = this.armIdleCheck();
  }

  /** Usable for a new request: not closed, closing, or destroyed by node after an error. */
  get alive(): boolean {
    return !this.dead && !this.socket.destroyed;
  }

  send(payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const { stats, scheduler } = this.channel.components;
    const id = this.nextId;
    // Ids wrap at 2^32 and skip 0; a connection never has anywhere near 2^32 requests in flight.
    this.nextId = this.nextId === 0xffff_ffff ? 1 : this.nextId + 1;
    this.activity++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const cancelTimer = scheduler.after(timeoutMs, () => {
        if (!this.pending.delete(id)) return;
        stats.requestsFailed++;
        reject(new TransportError('timeout', `no response from ${this.peer} within ${timeoutMs} ms`));
      });
      this.pending.set(id, { resolve, reject, cancelTimer });
      stats.requestsSent++;
      writeFrame(this.socket, stats, FrameType.Request, id, payload);
    });
  }

  /** Fails every pending request and closes the socket. */
  destroy(code: TransportErrorCode, message: string): void {
    this.dead = true;
    this.failAll(code, message);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const { log } = this.channel.components;
    const result = this.decoder.push(chunk);
    for (const frame of result.frames) this.onFrame(frame);
    if (!result.ok) {
      this.channel.countBadFrame(result.error);
      log.warn({ peer: this.peer, error: result.error }, 'closing connection: bad frame from peer');
      this.destroy(
        result.error === 'oversize' ? 'oversize' : 'closed',
        `peer ${this.peer} sent a bad frame (${result.error})`,
      );
    }
  }

  private onFrame(frame: Frame): void {
    const { stats } = this.channel.components;
    stats.framesIn++;
    stats.frameBytesIn += frame.payload.length;
    if (frame.type === FrameType.Request) {
      // Requests only flow from connector to acceptor; a request here is a protocol violation.
      stats.framesMalformed++;
      this.channel.reject('unexpected-frame');
      this.destroy('closed', `peer ${this.peer} sent a request on an outbound connection`);
      return;
    }
    const p = this.pending.get(frame.requestId);
    if (p === undefined) {
      stats.framesUnmatched++;
      return;
    }
    this.pending.delete(frame.requestId);
    p.cancelTimer();
    if (frame.type === FrameType.Response) p.resolve(frame.payload);
    else {
      stats.requestsFailed++;
      p.reject(new TransportError('remote', Buffer.from(frame.payload).toString('utf8')));
    }
  }

  private onClose(): void {
    const { stats, log } = this.channel.components;
    this.dead = true;
    this.cancelConnect();
    this.cancelIdle();
    this.onGone(this);
    if (this.lastError !== null) stats.connectionErrors++;
    if (this.pending.size === 0) return;
    const why = this.lastError?.code ?? this.lastError?.message ?? 'closed by peer';
    log.debug(
      { peer: this.peer, why, pending: this.pending.size },
      'connection closed with requests pending',
    );
    // Before the connection was established the peer was never reached (ECONNREFUSED, EHOSTUNREACH,
    // connect timeout); after, the peer went away mid-request.
    if (this.connected) this.failAll('closed', `connection to ${this.peer} closed (${why})`);
    else this.failAll('unreachable', `cannot connect to ${this.peer} (${why})`);
  }

  private failAll(code: TransportErrorCode, message: string): void {
    const { stats } = this.channel.components;
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      p.cancelTimer();
      stats.requestsFailed++;
      p.reject(new TransportError(code, message));
    }
  }

  /**
   * One timer per idle period rather than one per request (cheaper under load): when it fires, a
   * connection that saw no request since the last check and has none pending is closed, otherwise the
   * check is re-armed. A connection is therefore closed between idleTimeoutMs and 2·idleTimeoutMs after its
   * last request.
   */
  private armIdleCheck(): Cancel {
    return this.channel.components.scheduler.after(this.channel.init.idleTimeoutMs, () => {
      if (this.dead) return;
      if (this.pending.size > 0 || this.activity !== this.activitySeen) {
        this.activitySeen = this.activity;
        this.cancelIdle = this.armIdleCheck();
        return;
      }
      this.channel.components.stats.connectionsIdleClosed++;
      // Dead at once, not at the async 'close' event, so no new request is put on a closing socket.
      this.dead = true;
      this.socket.destroy();
    });
  }
}

/**
 * Reliable request/response over TCP (DESIGN.md §3): a pool of outbound connections (one per peer by
 * default, reconnecting when one breaks) and the accepting side that runs the request handler. Timeouts go
 * through the injected Scheduler, so the channel's timing logic is the same under virtual time.
 */
export class StreamChannel {
  private readonly pool = new Map<Address, OutboundConnection[]>();
  private readonly inbound = new Set<Socket>();
  private handler: RequestHandler | null = null;
  private closed = false;

  constructor(
    readonly components: StreamChannelComponents,
    readonly init: StreamChannelInit,
  ) {}

  /** Serves requests arriving on `server`'s connections. The caller owns the server's lifecycle. */
  serve(server: Server): void {
    server.on('connection', (socket: Socket) => this.accept(socket));
  }

  onRequest(handler: RequestHandler): void {
    this.handler = handler;
  }

  /** Counts a connection closed or a request refused because of the peer (stats and metrics). */
  reject(reason: StreamRejectReason): void {
    this.components.stats.streamRejected[reason]++;
    this.components.metrics.streamRejected(reason);
  }

  /** Counts a frame the decoder refused; the caller closes the connection. */
  countBadFrame(error: DecodeError): void {
    if (error === 'oversize') {
      this.components.stats.framesOversize++;
      this.reject('frame-too-large');
    } else {
      this.components.stats.framesMalformed++;
      this.reject('bad-frame-type');
    }
  }

  request(to: Address, bytes: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new TransportError('closed', 'transport is closed'));
    try {
      checkFrameSize(bytes.length, this.init.maxFrameBytes);
    } catch (err) {
      return Promise.reject(err);
    }
    const addr = parseAddress(to);
    if (addr === null) return Promise.reject(new TransportError('unreachable', `bad address "${to}"`));
    return this.connectionFor(to, addr.host, addr.port).send(bytes, timeoutMs);
  }

  /** Outbound connections currently open or connecting (for tests and stats). */
  get outboundConnections(): number {
    let n = 0;
    for (const conns of this.pool.values()) n += conns.length;
    return n;
  }

  /** Fails pending requests with `closed` and destroys every connection, both directions. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const conns of [...this.pool.values()]) {
      for (const c of conns) c.destroy('closed', 'transport closed');
    }
    this.pool.clear();
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
  }

  /** The least-loaded live connection; a new one while every existing one is busy and the pool has room. */
  private connectionFor(peer: Address, host: string, port: number): OutboundConnection {
    const conns = this.pool.get(peer) ?? [];
    let best: OutboundConnection | undefined;
    for (const c of conns) {
      if (c.alive && (best === undefined || c.pending.size < best.pending.size)) best = c;
    }
    if (best !== undefined && (best.pending.size === 0 || conns.length >= this.init.maxConnsPerPeer))
      return best;
    const conn = new OutboundConnection(this, peer, host, port, (gone) => {
      const list = this.pool.get(peer);
      if (list === undefined) return;
      const rest = list.filter((c) => c !== gone);
      if (rest.length === 0) this.pool.delete(peer);
      else this.pool.set(peer, rest);
    });
    conns.push(conn);
    this.pool.set(peer, conns);
    return conn;
  }

  private accept(socket: Socket): void {
    const { stats, log, scheduler } = this.components;
    stats.connectionsAccepted++;
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const from = formatAddress(unmapIPv4(socket.remoteAddress ?? '0.0.0.0'), socket.remotePort ?? 0);
    const decoder = new FrameDecoder(this.init.maxFrameBytes);
    let inFlight = 0;
    let activity = 0;
    let activitySeen = 0;
    let framed = false;
    // Same periodic check as the outbound side, with twice the period (see TransportConfig.idleTimeoutMs).
    const armIdle = (): Cancel =>
      scheduler.after(2 * this.init.idleTimeoutMs, () => {
        if (socket.destroyed) return;
        if (inFlight > 0 || activity !== activitySeen) {
          activitySeen = activity;
          cancelIdle = armIdle();
          return;
        }
        stats.connectionsIdleClosed++;
        this.reject('idle-timeout');
        socket.destroy();
      });
    let cancelIdle = armIdle();
    // A peer that connects and sends nothing, or a few bytes, would otherwise hold the socket until the
    // idle check; one complete frame proves it speaks the protocol (see TransportConfig.firstFrameTimeoutMs).
    const cancelFirstFrame = scheduler.after(this.init.firstFrameTimeoutMs, () => {
      if (socket.destroyed || framed) return;
      this.reject('first-frame-timeout');
      log.debug({ from, buffered: decoder.bufferedBytes }, 'closing connection: no frame in time');
      socket.destroy();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      log.debug({ from, err: err.code ?? err.message }, 'inbound connection error');
    });
    socket.on('close', () => {
      cancelIdle();
      cancelFirstFrame();
      this.inbound.delete(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      const result = decoder.push(chunk);
      for (const frame of result.frames) {
        stats.framesIn++;
        stats.frameBytesIn += frame.payload.length;
        if (!framed) {
          framed = true;
          cancelFirstFrame();
        }
        if (frame.type !== FrameType.Request) {
          stats.framesMalformed++;
          this.reject('unexpected-frame');
          log.warn({ from }, 'closing connection: response frame on an inbound connection');
          socket.destroy();
          return;
        }
        inFlight++;
        activity++;
        void this.serveOne(socket, from, frame).finally(() => {
          inFlight--;
        });
      }
      if (!result.ok) {
        this.countBadFrame(result.error);
        log.warn({ from, error: result.error }, 'closing connection: bad frame from peer');
        socket.destroy();
      }
    });
  }

  private async serveOne(socket: Socket, from: Address, frame: Frame): Promise<void> {
    const { stats } = this.components;
    let response: Uint8Array;
    try {
      const handler = this.handler;
      if (handler === null) throw new Error('no request handler installed');
      response = await handler(from, frame.payload);
      checkFrameSize(response.length, this.init.maxFrameBytes);
    } catch (err) {
      stats.requestHandlerErrors++;
      if (err instanceof RequestRefusedError) this.reject(err.reason);
      // Refusals of a peer's garbage (unknown service, a frame that does not open) are counted; anything else
      // is our own handler failing, which the peer sees only as an error response.
      if (err instanceof RequestRefusedError || err instanceof TransportError)
        this.components.log.debug({ from, err: (err as Error).message }, 'request refused');
      else this.components.log.warn({ from, err }, 'request handler failed');
      const msg = Buffer.from(err instanceof Error ? err.message : String(err), 'utf8');
      if (!socket.destroyed) {
        writeFrame(
          socket,
          stats,
          FrameType.ErrorResponse,
          frame.requestId,
          msg.subarray(0, MAX_ERROR_MESSAGE_BYTES),
        );
      }
      return;
    }
    stats.requestsServed++;
    if (!socket.destroyed) writeFrame(socket, stats, FrameType.Response, frame.requestId, response);
  }
}

function writeFrame(
  socket: Socket,
  stats: TransportStats,
  type: FrameType,
  id: number,
  payload: Uint8Array,
): void {
  stats.framesOut++;
  stats.frameBytesOut += payload.length;
  // Header and payload as two writes: no copy of a large payload. Small frames go as one buffer so that,
  // with Nagle off, they leave in one segment.
  if (payload.length <= 16 * 1024) {
    socket.write(Buffer.concat([encodeFrameHeader(type, id, payload.length), payload]));
  } else {
    socket.cork();
    socket.write(encodeFrameHeader(type, id, payload.length));
    socket.write(payload);
    socket.uncork();
  }
}

/** "::ffff:10.0.0.1" → "10.0.0.1": dual-stack sockets report IPv4 peers in mapped form. */
function unmapIPv4(host: string): string {
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}
