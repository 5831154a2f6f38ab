import type { Address } from '../transport/transport.js';
import type { PacketCounters } from './counters.js';
import { sampleLatency } from './latency.js';
import type { LinkFaults } from './link-faults.js';
import type { Medium } from './medium.js';
import type { NodeHost } from './node-host.js';
import type { SimTransport } from './sim-transport.js';
import { TraceKind } from './trace-hash.js';

/**
 * One datagram from `from` to `to` through the medium: cut by a partition, lost, delivered to nobody, or
 * scheduled after the link's latency (and possibly once more, as a duplicate).
 */
export function sendDatagram(m: Medium, from: SimTransport, to: Address, bytes: Uint8Array): void {
  const src = from.host.idx;
  const dst = m.indexOf(to);
  const lc = m.countersFor(src, dst);
  m.totals.sent++;
  if (lc !== null) lc.sent++;
  if (m.cut(src, dst)) {
    m.totals.partitioned++;
    if (lc !== null) lc.partitioned++;
    return;
  }
  const host = m.hosts[dst];
  const f = m.links.get(src, dst);
  const r = m.random;
  if (f.loss > 0 && r.next() < f.loss) {
    m.totals.lost++;
    if (lc !== null) lc.lost++;
    return;
  }
  if (host === undefined) {
    m.totals.undeliverable++;
    if (lc !== null) lc.undeliverable++;
    return;
  }
  // Copy, as a kernel does: the sender may reuse its buffer after sendPacket returns.
  const copy = bytes.slice();
  schedule(m, src, host, copy, f, lc);
  if (f.duplicate > 0 && r.next() < f.duplicate) {
    m.totals.duplicated++;
    if (lc !== null) lc.duplicated++;
    schedule(m, src, host, copy.slice(), f, lc);
  }
}

function schedule(
  m: Medium,
  src: number,
  host: NodeHost,
  bytes: Uint8Array,
  f: LinkFaults,
  lc: PacketCounters | null,
): void {
  let delayMs = sampleLatency(f.latency, m.random);
  if (f.reorder > 0 && m.random.next() < f.reorder) {
    delayMs += m.random.next() * f.reorderDelayMs;
    m.totals.reordered++;
    if (lc !== null) lc.reordered++;
  }
  const epoch = host.epoch;
  // The one closure per datagram; it gates itself on the receiver's crash epoch and pause state.
  const ev = (): void => {
    if (host.epoch !== epoch || !host.live) {
      m.totals.undeliverable++;
      if (lc !== null) lc.undeliverable++;
      return;
    }
    if (host.state === 'paused') {
      if (!host.hold(ev, true)) {
        m.totals.overflow++;
        if (lc !== null) lc.overflow++;
      }
      return;
    }
    m.totals.delivered++;
    if (lc !== null) lc.delivered++;
    m.trace.event(m.time.now(), src, host.idx, TraceKind.packet, bytes);
    const t = host.transport as SimTransport;
    t.packetHandler?.(m.addresses[src] as Address, bytes);
  };
  m.time.at(m.time.now() + delayMs, ev);
}
