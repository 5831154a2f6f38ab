import { createSocket, type Socket as DgramSocket, type RemoteInfo } from 'node:dgram';
import { createServer, isIPv6, type Server } from 'node:net';
import type { Scheduler } from '../runtime/scheduler.js';
import { resolveTransportConfig, type TransportConfig } from './config.js';
import {
  emptyTransportStats,
  NOOP_TRANSPORT_METRICS,
  type PacketDropReason,
  silentLogger,
  snapshotStats,
  type TransportLogger,
  type TransportMetrics,
  type TransportStats,
} from './stats.js';
import { StreamChannel } from './stream-channel.js';
import {
  type Address,
  formatAddress,
  type PacketHandler,
  parseAddress,
  type RequestHandler,
  type SendResult,
  type Transport,
} from './transport.js';

export type UdpTransportOptions = Partial<TransportConfig> & {
  /** Timers for request timeouts, connect timeouts and idle connections. */
  readonly scheduler: Scheduler;
  readonly log?: TransportLogger;
  /** Where drops and refused connections are reported as they happen (besides `stats`). Default: nowhere. */
  readonly metrics?: TransportMetrics;
};

/**
 * The real network transport (DESIGN.md §3), after memberlist's NetTransport: UDP datagrams for gossip and
 * probes, a TCP stream channel for requests, both on the same port so one "host:port" names the node.
 * Network failures never throw: packets are counted as dropped, requests fail with a TransportError.
 */
export class UdpTransport implements Transport {
  readonly localAddress: Address;
  readonly maxPacketBytes: number;
  readonly maxFrameBytes: number;
  private readonly counters: TransportStats;
  private readonly log: TransportLogger;
  private readonly metrics: TransportMetrics;
  private packetHandler: PacketHandler | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly config: TransportConfig,
    private readonly udp: DgramSocket,
    private readonly tcp: Server,
    private readonly channel: StreamChannel,
    counters: TransportStats,
    log: TransportLogger,
    metrics: TransportMetrics,
    port: number,
  ) {
    this.maxPacketBytes = config.maxPacketBytes;
    this.maxFrameBytes = config.maxFrameBytes;
    this.localAddress = formatAddress(config.advertiseHost ?? config.host, port);
    this.counters = counters;
    this.log = log;
    this.metrics = metrics;
    udp.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onMessage(msg, rinfo));
  }

  /** Binds TCP and UDP on one port (an ephemeral one when `port` is 0) and resolves when both listen. */
  static async bind(opts: UdpTransportOptions): Promise<UdpTransport> {
    const { scheduler, log = silentLogger, metrics = NOOP_TRANSPORT_METRICS, ...partial } = opts;
    const config = resolveTransportConfig(partial);
    const counters = emptyTransportStats();
    let lastError: unknown = null;
    for (let attempt = 0; attempt < config.bindRetries; attempt++) {
      const tcp = createServer({ noDelay: true });
      // A listener error after bind (e.g. EMFILE on accept) is counted and logged, never thrown.
      tcp.on('error', (err: Error) => {
        counters.socketErrors++;
        log.warn({ err: err.message }, 'tcp listener error');
      });
      await listen(tcp, config.host, config.port);
      const port = (tcp.address() as { port: number }).port;
      const udp = createSocket({ type: isIPv6(config.host) ? 'udp6' : 'udp4' });
      try {
        await bindUdp(udp, config.host, port);
      } catch (err) {
        lastError = err;
        try {
          udp.close();
        } catch {
          // a socket whose bind failed may already be closed
        }
        await closeServer(tcp);
        // With an explicit port there is nothing to retry: the port is taken.
        if (config.port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        continue;
      }
      udp.on('error', (err: Error) => {
        counters.socketErrors++;
        log.warn({ err: err.message }, 'udp socket error');
      });
      if (config.udpRecvBufferBytes > 0) {
        try {
          udp.setRecvBufferSize(config.udpRecvBufferBytes);
        } catch (err) {
          log.debug({ err: (err as Error).message }, 'cannot set UDP receive buffer size');
        }
      }
      const channel = new StreamChannel({ scheduler, stats: counters, metrics, log }, config);
      channel.serve(tcp);
      return new UdpTransport(config, udp, tcp, channel, counters, log, metrics, port);
    }
    throw lastError instanceof Error ? lastError : new Error('cannot bind UDP and TCP on one port');
  }

  /** A snapshot of the counters. */
  get stats(): TransportStats {
    return snapshotStats(this.counters);
  }

  /** Outbound stream connections currently pooled. */
  get outboundConnections(): number {
    return this.channel.outboundConnections;
  }

  sendPacket(to: Address, bytes: Uint8Array): SendResult {
    if (this.closing !== null) return { ok: false, error: 'closed' };
    if (bytes.length > this.maxPacketBytes) return { ok: false, error: 'oversize' };
    const addr = parseAddress(to);
    if (addr === null) {
      this.drop('badAddress');
      return { ok: true };
    }
    try {
      // The buffer is handed to the OS without a copy: callers must not reuse it for the next packet.
      this.udp.send(bytes, addr.port, addr.host, (err) => {
        if (err === null || err === undefined) return;
        this.drop('sendError');
        this.log.debug({ to, err: err.message }, 'udp send failed');
      });
    } catch (err) {
      this.drop('sendError');
      this.log.debug({ to, err: (err as Error).message }, 'udp send threw');
      return { ok: true };
    }
    this.counters.packetsOut++;
    this.counters.packetBytesOut += bytes.length;
    return { ok: true };
  }

  onPacket(handler: PacketHandler): void {
    this.packetHandler = handler;
  }

  request(to: Address, bytes: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return this.channel.request(to, bytes, timeoutMs);
  }

  onRequest(handler: RequestHandler): void {
    this.channel.onRequest(handler);
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.channel.close();
    this.closing = Promise.all([
      new Promise<void>((resolve) => {
        try {
          this.udp.close(() => resolve());
        } catch {
          resolve(); // already closed
        }
      }),
      closeServer(this.tcp),
    ]).then(() => undefined);
    return this.closing;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closing !== null) return;
    if (msg.length > this.maxPacketBytes || msg.length === 0) {
      this.drop(msg.length === 0 ? 'empty' : 'oversize');
      return;
    }
    this.counters.packetsIn++;
    this.counters.packetBytesIn += msg.length;
    const handler = this.packetHandler;
    if (handler === null) return;
    try {
      handler(formatAddress(rinfo.address, rinfo.port), msg);
    } catch (err) {
      // A bug in one packet's processing must not take the socket (or the process) down.
      this.drop('handlerError');
      this.log.warn({ err: (err as Error).message }, 'packet handler threw');
    }
  }

  private drop(reason: PacketDropReason): void {
    this.counters.packetsDropped[reason]++;
    this.metrics.packetDropped(reason);
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function bindUdp(udp: DgramSocket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    udp.once('error', onError);
    udp.bind({ address: host, port, exclusive: true }, () => {
      udp.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
