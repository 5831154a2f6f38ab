/**
 * prom-client implementation of the transport's `TransportMetrics` (src/transport/stats.ts), plus the
 * seal failures of stream frames checked above the transport. Only the metrics registry imports this.
 */
import { Counter, type Registry } from 'prom-client';
import {
  type PacketDropReason,
  STREAM_REJECT_REASONS,
  type StreamRejectReason,
  type TransportMetrics,
} from '../transport/stats.js';
import { SEAL_ERROR_KINDS, type SealErrorKind } from '../wire/seal.js';

/**
 * `reason` label of hearsay_net_packets_dropped_total for each transport drop. Kebab-case like the
 * decode and seal kinds the membership layer reports there; the outbound ones share the `send-` prefix
 * of membership's `send-oversize` / `send-closed`. `empty` and `oversize` are the same words the decoder
 * uses, on purpose: an operator sees one series per kind of garbage whichever layer caught it.
 */
export const PACKET_DROP_LABELS: Readonly<Record<PacketDropReason, string>> = {
  empty: 'empty',
  oversize: 'oversize',
  badAddress: 'send-bad-address',
  sendError: 'send-error',
  handlerError: 'handler-error',
};

/** Every `reason` of hearsay_net_stream_rejected_total: the transport's, then seal failures of frames. */
export type StreamRejectLabel = StreamRejectReason | SealErrorKind;

export const STREAM_REJECT_LABELS: readonly StreamRejectLabel[] = [
  ...STREAM_REJECT_REASONS,
  ...SEAL_ERROR_KINDS,
];

export interface PromTransportMetrics extends TransportMetrics {
  /** Also takes the label or encryption failure of a stream frame (a store request or response). */
  streamRejected(reason: StreamRejectLabel): void;
}

/**
 * Packet drops go to `packetDropped`, the membership metrics' hearsay_net_packets_dropped_total, so every
 * dropped datagram is in one metric whichever layer dropped it. Refused stream connections and frames get
 * their own counter, every reason pre-initialised at 0.
 */
export function createPromTransportMetrics(
  register: Registry,
  prefix: string,
  packetDropped: (reason: string) => void,
): PromTransportMetrics {
  const rejected = new Counter({
    name: `${prefix}net_stream_rejected_total`,
    help: 'Stream connections closed and stream requests refused because of what the peer sent (or did not send), by reason.',
    labelNames: ['reason'] as const,
    registers: [register],
  });
  for (const reason of STREAM_REJECT_LABELS) rejected.inc({ reason }, 0);
  return {
    packetDropped: (reason) => packetDropped(PACKET_DROP_LABELS[reason]),
    streamRejected: (reason) => rejected.inc({ reason }),
  };
}

/**
 * Messages of a kind this version does not know, skipped inside otherwise good packets (a newer peer's
 * additions; the packet itself is not dropped). Read from the decoder's counter at scrape time.
 */
export function registerUnknownMessageMetrics(register: Registry, prefix: string, read: () => number): void {
  let last = 0;
  const unknown = new Counter({
    name: `${prefix}net_unknown_messages_total`,
    help: 'Messages of a kind this version does not know, skipped inside otherwise good packets.',
    registers: [register],
    collect() {
      const now = read();
      // A counter only rises: advance by the delta since the last scrape.
      if (now > last) this.inc(now - last);
      last = Math.max(last, now);
    },
  });
  void unknown;
}
