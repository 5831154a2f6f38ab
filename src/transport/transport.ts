/**
 * The network seam (DESIGN.md §3): best-effort datagrams plus a reliable request/response channel for
 * payloads too large for one datagram. Implemented by UDP+TCP (src/transport/udp-transport.ts) and by the
 * simulator (src/sim). Addresses are "host:port" strings, as in memberlist.
 */
import type { StreamRejectReason } from './stats.js';

export type Address = string;

/** Why a datagram was not handed to the network. Sending is best-effort: `ok` does not mean delivered. */
export type SendResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: 'oversize' | 'closed' };

export type TransportErrorCode =
  /** No response within the request's timeout. */
  | 'timeout'
  /** Payload larger than the configured limit (maxPacketBytes or maxFrameBytes). */
  | 'oversize'
  /** This transport was closed, or the connection closed before a response arrived. */
  | 'closed'
  /** The peer could not be reached (connection refused, host unreachable, bad address). */
  | 'unreachable'
  /** The peer's request handler failed; the message says why. */
  | 'remote';

/** The typed failure of a request. Protocol code switches on `code`, never on message text. */
export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * Thrown by a request handler that refuses a request because of what the peer sent (not because of a
 * local failure): the requester still gets a `remote` error with the message, and the stream channel
 * also counts the refusal under `reason`, so garbage from peers is told apart from our own failures.
 */
export class RequestRefusedError extends Error {
  constructor(
    readonly reason: StreamRejectReason,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRefusedError';
  }
}

export type PacketHandler = (from: Address, bytes: Uint8Array) => void;

/** Answers a request; a thrown error or rejected promise reaches the requester as a `remote` TransportError. */
export type RequestHandler = (from: Address, bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface Transport {
  /** The address peers use to reach this transport (after binding, with the real port). */
  readonly localAddress: Address;
  /** Largest datagram `sendPacket` accepts. */
  readonly maxPacketBytes: number;
  /** Largest request or response payload `request` accepts. */
  readonly maxFrameBytes: number;
  /** Best-effort datagram. Never throws for network reasons; oversize or closed is reported in the result. */
  sendPacket(to: Address, bytes: Uint8Array): SendResult;
  /** Sets the one handler for incoming datagrams (replacing any earlier one). */
  onPacket(handler: PacketHandler): void;
  /** Sends `bytes` over the reliable channel and resolves with the peer's response; rejects with TransportError. */
  request(to: Address, bytes: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Sets the one handler for incoming requests (replacing any earlier one). */
  onRequest(handler: RequestHandler): void;
  /** Stops receiving, fails pending requests with `closed`, releases sockets. Idempotent. */
  close(): Promise<void>;
}

/** Splits "host:port" (IPv6 as "[::1]:port"); returns null when malformed. */
export function parseAddress(addr: Address): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(addr);
  if (m === null) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2]) as string, port };
}

export function formatAddress(host: string, port: number): Address {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
