import { performance } from 'node:perf_hooks';
import type { Transport } from '../transport/transport.js';
import { decodePacket, encodePacket } from '../wire/index.js';

export interface PingOutcome {
  readonly seqNo: number;
  /** Round-trip time in ms, or null when no ack came within the timeout. */
  readonly rttMs: number | null;
}

/**
 * Sends `count` wire-level pings to `target` (named `node`) and waits for each ack: the SWIM probe's direct
 * path, usable by hand against any agent. The CLI lives above src/http, so it may read the real clock.
 */
export async function pingNode(
  transport: Transport,
  opts: { target: string; node: string; cluster: string; sender: string; count: number; timeoutMs: number },
): Promise<PingOutcome[]> {
  const waiting = new Map<number, (rtt: number) => void>();
  transport.onPacket((_from, bytes) => {
    const decoded = decodePacket(bytes, { cluster: opts.cluster, maxBytes: transport.maxPacketBytes });
    if (!decoded.ok) return;
    for (const m of decoded.envelope.messages) {
      if (m.type === 'ack') waiting.get(m.seqNo)?.(performance.now());
    }
  });
  const outcomes: PingOutcome[] = [];
  for (let seqNo = 1; seqNo <= opts.count; seqNo++) {
    const start = performance.now();
    const rttMs = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), opts.timeoutMs);
      waiting.set(seqNo, (at) => {
        clearTimeout(timer);
        resolve(at - start);
      });
      const sent = transport.sendPacket(
        opts.target,
        encodePacket({ cluster: opts.cluster, sender: opts.sender }, [
          { type: 'ping', seqNo, node: opts.node },
        ]),
      );
      if (!sent.ok) {
        clearTimeout(timer);
        resolve(null);
      }
    });
    waiting.delete(seqNo);
    outcomes.push({ seqNo, rttMs });
  }
  return outcomes;
}
