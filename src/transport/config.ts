/**
 * Tunables of the real network transport (DESIGN.md §3), in one place like memberlist's config.go. Every
 * field has a default; `resolveTransportConfig` fills the gaps and rejects nonsense early, at bind time.
 */
export interface TransportConfig {
  /** Interface to bind UDP and TCP on. An IPv6 literal selects udp6. Default 127.0.0.1 (safe for dev). */
  readonly host: string;
  /**
   * Port for both UDP and TCP (same number, as memberlist does, so one "host:port" names both). 0 picks an
   * ephemeral port: TCP binds first, then UDP takes the same number, retried `bindRetries` times.
   */
  readonly port: number;
  /**
   * Host peers should use to reach us when `host` is a wildcard (0.0.0.0, ::). Defaults to `host`.
   * `localAddress` is built from it.
   */
  readonly advertiseHost: string | undefined;
  /**
   * Largest datagram sent or accepted. 1400 keeps a packet plus IP/UDP headers under the common 1500-byte
   * Ethernet MTU, so datagrams are not IP-fragmented (a lost fragment loses the whole packet).
   */
  readonly maxPacketBytes: number;
  /**
   * Largest request/response payload on the stream channel. Bounds the memory one peer can make us buffer:
   * a frame announcing more closes its connection. 8 MiB fits a push/pull state sync of ~10k members.
   */
  readonly maxFrameBytes: number;
  /** How long a TCP connect may take before its requests fail with `unreachable`. */
  readonly connectTimeoutMs: number;
  /**
   * A pooled outbound connection with no request in flight for this long is closed. The accepting side
   * waits twice as long, so the requester, which knows whether it is about to send, normally closes first.
   */
  readonly idleTimeoutMs: number;
  /**
   * An accepted connection that has not delivered one complete frame this long after it was accepted is
   * closed (and counted as `first-frame-timeout`). Without it a peer sending 0–8 bytes holds a socket and
   * its buffers until the idle timeout (2 × idleTimeoutMs). Our own requesters write their first request
   * as soon as they connect, so a legitimate first frame only misses this when it is large and the link
   * slow: at the default 5,000 ms an 8 MiB push/pull needs about 1.7 MB/s. Raise it on slow WAN links;
   * lowering it frees garbage connections sooner.
   */
  readonly firstFrameTimeoutMs: number;
  /**
   * Outbound connections kept per peer. Requests are multiplexed by id, so 1 is usually enough; more only
   * helps when one large transfer would otherwise delay small requests behind it (head-of-line blocking).
   */
  readonly maxConnsPerPeer: number;
  /** Attempts to find an ephemeral port free for both TCP and UDP when `port` is 0. */
  readonly bindRetries: number;
  /**
   * Kernel receive buffer for the UDP socket; a burst larger than this is dropped by the OS (memberlist
   * asks for 2 MiB). 0 keeps the OS default. Best effort: the OS may cap it.
   */
  readonly udpRecvBufferBytes: number;
}

export const DEFAULT_TRANSPORT_CONFIG: TransportConfig = {
  host: '127.0.0.1',
  port: 0,
  advertiseHost: undefined,
  maxPacketBytes: 1400,
  maxFrameBytes: 8 * 1024 * 1024,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  firstFrameTimeoutMs: 5_000,
  maxConnsPerPeer: 1,
  bindRetries: 8,
  udpRecvBufferBytes: 2 * 1024 * 1024,
};

/** Largest UDP payload over IPv4 (65,535 − 8 UDP − 20 IP header bytes). */
export const MAX_UDP_PAYLOAD_BYTES = 65_507;

/** Largest payload the 4-byte frame length can describe. */
export const MAX_FRAME_PAYLOAD_BYTES = 0xffff_ffff;

/** Defaults overlaid with `partial`; throws RangeError for values that can only be programmer errors. */
export function resolveTransportConfig(partial: Partial<TransportConfig> = {}): TransportConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c: TransportConfig = { ...DEFAULT_TRANSPORT_CONFIG, ...defined };
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new RangeError(`transport config: ${what}`);
  };
  check(
    Number.isInteger(c.port) && c.port >= 0 && c.port <= 65535,
    `port must be in [0, 65535], got ${c.port}`,
  );
  check(
    Number.isInteger(c.maxPacketBytes) && c.maxPacketBytes > 0 && c.maxPacketBytes <= MAX_UDP_PAYLOAD_BYTES,
    `maxPacketBytes must be in [1, ${MAX_UDP_PAYLOAD_BYTES}], got ${c.maxPacketBytes}`,
  );
  check(
    Number.isInteger(c.maxFrameBytes) && c.maxFrameBytes > 0 && c.maxFrameBytes <= MAX_FRAME_PAYLOAD_BYTES,
    `maxFrameBytes must be a positive integer below 2^32, got ${c.maxFrameBytes}`,
  );
  check(c.connectTimeoutMs > 0, `connectTimeoutMs must be > 0, got ${c.connectTimeoutMs}`);
  check(c.idleTimeoutMs > 0, `idleTimeoutMs must be > 0, got ${c.idleTimeoutMs}`);
  check(c.firstFrameTimeoutMs > 0, `firstFrameTimeoutMs must be > 0, got ${c.firstFrameTimeoutMs}`);
  check(Number.isInteger(c.maxConnsPerPeer) && c.maxConnsPerPeer >= 1, 'maxConnsPerPeer must be ≥ 1');
  check(Number.isInteger(c.bindRetries) && c.bindRetries >= 1, 'bindRetries must be ≥ 1');
  check(c.udpRecvBufferBytes >= 0, 'udpRecvBufferBytes must be ≥ 0');
  return c;
}
