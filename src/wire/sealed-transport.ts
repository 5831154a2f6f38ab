import { type Transport, TransportError } from '../transport/transport.js';
import { type OpenOptions, openPacket, sealOverheadBytes, sealPacket } from './index.js';

/**
 * A Transport view whose request/response frames are labelled and encrypted with the cluster's keyring,
 * like membership's push/pull frames (memberlist seals stream traffic as it seals packets). A frame that
 * fails to open is refused: on the serving side the requester sees a `remote` error, on the requesting
 * side the call fails like any unreachable replica. Without a keyring or label it is the transport itself.
 */
export function sealedTransport(inner: Transport, options: OpenOptions): Transport {
  if (options.keyring === undefined && (options.label ?? '') === '') return inner;
  const overhead = sealOverheadBytes(options);
  const open = (bytes: Uint8Array, side: string): Uint8Array => {
    const r = openPacket(bytes, options);
    if (!r.ok) throw new TransportError('remote', `${side} refused: ${r.error}`);
    return r.plain;
  };
  return {
    get localAddress() {
      return inner.localAddress;
    },
    maxPacketBytes: inner.maxPacketBytes,
    maxFrameBytes: inner.maxFrameBytes - overhead,
    sendPacket: (to, bytes) => inner.sendPacket(to, bytes),
    onPacket: (handler) => inner.onPacket(handler),
    request: async (to, bytes, timeoutMs) =>
      open(await inner.request(to, sealPacket(bytes, options), timeoutMs), 'response'),
    onRequest: (handler) =>
      inner.onRequest(async (from, bytes) =>
        sealPacket(await handler(from, open(bytes, 'request')), options),
      ),
    close: () => inner.close(),
  };
}
