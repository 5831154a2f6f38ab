/** Why an incoming or outgoing datagram was dropped by the transport itself (not by the network). */
export type PacketDropReason =
  /** Larger than maxPacketBytes. */
  | 'oversize'
  /** Zero bytes: no protocol message is empty, so it is garbage. */
  | 'empty'
  /** The destination was not a valid "host:port". */
  | 'badAddress'
  /** The OS refused the send (e.g. EHOSTUNREACH, ENOBUFS) or the socket was not usable. */
  | 'sendError'
  /** The packet handler threw; the packet counts as received but its processing failed. */
  | 'handlerError';

export const PACKET_DROP_REASONS: readonly PacketDropReason[] = [
  'oversize',
  'empty',
  'badAddress',
  'sendError',
  'handlerError',
];

/**
 * Why the stream channel closed a connection, or refused a request, because of what the peer sent (or did
 * not send). Stable strings: they become the `reason` label of hearsay_net_stream_rejected_total.
 */
export const STREAM_REJECT_REASONS = [
  /** A frame header announced more than maxFrameBytes; the connection is closed before buffering it. */
  'frame-too-large',
  /** A frame header with an unknown type byte: not our protocol, or a corrupt stream. Connection closed. */
  'bad-frame-type',
  /** A frame of the wrong direction (a response to the acceptor, a request to the connector). Closed. */
  'unexpected-frame',
  /** An accepted connection delivered no complete frame within firstFrameTimeoutMs. Closed. */
  'first-frame-timeout',
  /**
   * An accepted connection sat without requests for 2 × idleTimeoutMs. Our own peers close theirs first
   * (after 1–2 × idleTimeoutMs), so this is a peer that vanished without a FIN or holds sockets open.
   */
  'idle-timeout',
  /** A request frame with no service id byte (request-router.ts). The connection stays open. */
  'empty-request',
  /** A request for a service this node does not run (request-router.ts). The connection stays open. */
  'unknown-service',
] as const;

export type StreamRejectReason = (typeof STREAM_REJECT_REASONS)[number];

/**
 * Where the transport reports drops and refusals as they happen, so they reach `/metrics` (the metrics
 * layer implements it; the transport never imports that layer). Calls must not throw.
 */
export interface TransportMetrics {
  packetDropped(reason: PacketDropReason): void;
  streamRejected(reason: StreamRejectReason): void;
}

export const NOOP_TRANSPORT_METRICS: TransportMetrics = Object.freeze({
  packetDropped: () => {},
  streamRejected: () => {},
});

/**
 * Plain counters of one transport, exposed as a snapshot (`UdpTransport.stats`). Drops and refusals are
 * also reported as they happen to the `TransportMetrics` given to the transport.
 */
export interface TransportStats {
  packetsIn: number;
  packetsOut: number;
  packetBytesIn: number;
  packetBytesOut: number;
  packetsDropped: Record<PacketDropReason, number>;
  /** Errors emitted by the UDP socket or TCP listener (they are logged and counted, never thrown). */
  socketErrors: number;
  framesIn: number;
  framesOut: number;
  frameBytesIn: number;
  frameBytesOut: number;
  /** Connections closed because the peer announced a frame larger than maxFrameBytes. */
  framesOversize: number;
  /** Connections closed because of an unknown frame type or a frame of the wrong direction. */
  framesMalformed: number;
  /** Connections closed and requests refused because of the peer, by reason (both directions). */
  streamRejected: Record<StreamRejectReason, number>;
  /** Responses whose request id matched nothing (usually: the request had already timed out). */
  framesUnmatched: number;
  connectionsOpened: number;
  connectionsAccepted: number;
  /** Outbound connections that failed to connect or broke with an error. */
  connectionErrors: number;
  connectionsIdleClosed: number;
  requestsSent: number;
  requestsFailed: number;
  requestsServed: number;
  /** Requests whose handler threw; the requester got a `remote` error. */
  requestHandlerErrors: number;
}

export function emptyTransportStats(): TransportStats {
  return {
    packetsIn: 0,
    packetsOut: 0,
    packetBytesIn: 0,
    packetBytesOut: 0,
    packetsDropped: { oversize: 0, empty: 0, badAddress: 0, sendError: 0, handlerError: 0 },
    socketErrors: 0,
    framesIn: 0,
    framesOut: 0,
    frameBytesIn: 0,
    frameBytesOut: 0,
    framesOversize: 0,
    framesMalformed: 0,
    streamRejected: Object.fromEntries(STREAM_REJECT_REASONS.map((r) => [r, 0])) as Record<
      StreamRejectReason,
      number
    >,
    framesUnmatched: 0,
    connectionsOpened: 0,
    connectionsAccepted: 0,
    connectionErrors: 0,
    connectionsIdleClosed: 0,
    requestsSent: 0,
    requestsFailed: 0,
    requestsServed: 0,
    requestHandlerErrors: 0,
  };
}

/** A deep copy, so callers can diff snapshots. */
export function snapshotStats(s: TransportStats): TransportStats {
  return { ...s, packetsDropped: { ...s.packetsDropped }, streamRejected: { ...s.streamRejected } };
}

/** Structured logging hook, shaped like pino's `(fields, msg)` so a pino logger can be passed directly. */
export interface TransportLogger {
  debug(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export const silentLogger: TransportLogger = {
  debug: () => {},
  warn: () => {},
};
