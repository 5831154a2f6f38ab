import {
  type Address,
  type PacketHandler,
  type RequestHandler,
  RequestRefusedError,
  type SendResult,
  type Transport,
} from './transport.js';

/**
 * Several services share one transport's request/response channel (membership push/pull today; replica
 * reads and writes, handoff and anti-entropy next). Each request frame starts with a one-byte service id;
 * the router strips it and hands the rest to that service's handler, so every service keeps speaking its
 * own format. Datagrams are not routed: they belong to membership, which owns the gossip port's packets.
 */
export class RequestRouter {
  private readonly handlers = new Map<number, RequestHandler>();

  constructor(private readonly inner: Transport) {
    inner.onRequest((from, bytes) => this.dispatch(from, bytes));
  }

  /** A Transport view for service `id` (0–255). Closing a view unregisters its handler, not the socket. */
  service(id: number): Transport {
    if (!(Number.isInteger(id) && id >= 0 && id <= 255))
      throw new RangeError(`service id must be a byte, got ${id}`);
    const inner = this.inner;
    const handlers = this.handlers;
    return {
      get localAddress(): Address {
        return inner.localAddress;
      },
      maxPacketBytes: inner.maxPacketBytes,
      // One byte of every frame is the service id.
      maxFrameBytes: inner.maxFrameBytes - 1,
      sendPacket: (to: Address, bytes: Uint8Array): SendResult => inner.sendPacket(to, bytes),
      onPacket: (handler: PacketHandler): void => inner.onPacket(handler),
      request: (to: Address, bytes: Uint8Array, timeoutMs: number): Promise<Uint8Array> => {
        const framed = new Uint8Array(bytes.length + 1);
        framed[0] = id;
        framed.set(bytes, 1);
        return inner.request(to, framed, timeoutMs);
      },
      onRequest: (handler: RequestHandler): void => {
        handlers.set(id, handler);
      },
      close: async (): Promise<void> => {
        handlers.delete(id);
      },
    };
  }

  private dispatch(from: Address, bytes: Uint8Array): Uint8Array | Promise<Uint8Array> {
    const id = bytes[0];
    // Thrown errors reach the requester as a `remote` TransportError with this message; the refusal
    // type lets the stream channel count them as garbage from the peer rather than as our own failures.
    if (id === undefined) throw new RequestRefusedError('empty-request', 'empty request: no service id');
    const handler = this.handlers.get(id);
    if (handler === undefined)
      throw new RequestRefusedError('unknown-service', `no service ${id} on this node`);
    return handler(from, bytes.subarray(1));
  }
}
