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

/**
 * Plain counters of one transport. Exposed as a snapshot (`UdpTransport.stats`); the metrics registry can
 * export them as hearsay_transport_* later without the transport importing it.
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
  return { ...s, packetsDropped: { ...s.packetsDropped } };
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
