import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../src/sim/index.js';
import { TransportError } from '../../src/transport/transport.js';
import { addNodes, seqBytes } from './helpers.js';
import { withSeed } from './seed.js';

/**
 * 100 nodes: each sends a datagram to a random peer every ~50 ms and a request every ~300 ms over a faulty
 * network; async request handlers and continuations send more packets, so promise ordering is part of the trace.
 */
async function scenario(seed: number): Promise<{ hash: string; events: number; delivered: number }> {
  const sim = new SimNetwork({
    seed,
    link: {
      latency: { kind: 'exponential', meanMs: 2, minMs: 0.5 },
      loss: 0.05,
      duplicate: 0.02,
      reorder: 0.05,
    },
  });
  const nodes = addNodes(sim, 100);
  const addrs = nodes.map((n) => n.address);
  let seq = 0;
  for (const n of nodes) {
    n.transport.onPacket(() => {});
    n.transport.onRequest(async (_from, bytes) => {
      await Promise.resolve();
      return bytes.slice(0, 2);
    });
    n.scheduler.every(
      50,
      () => {
        n.transport.sendPacket(addrs[n.random.int(addrs.length)] as string, seqBytes(seq++));
      },
      10,
    );
    n.scheduler.every(
      300,
      () => {
        const to = addrs[n.random.int(addrs.length)] as string;
        n.transport.request(to, seqBytes(seq++), 20).then(
          (res) => n.transport.sendPacket(to, res),
          (err: unknown) => {
            if (!(err instanceof TransportError)) throw err;
          },
        );
      },
      50,
    );
  }
  sim.after(700, () => sim.partition(addrs.slice(0, 30), addrs.slice(30)));
  sim.after(1200, () => sim.heal());
  sim.after(900, () => sim.crash(addrs[5] as string));
  sim.after(1000, () => sim.pause(addrs[6] as string, 150));
  await sim.run(2000);
  return { hash: sim.traceHash(), events: sim.traceEvents, delivered: sim.counters().delivered };
}

describe('SimNetwork determinism', () => {
  it('the same seed gives the same trace hash; a different seed a different one', async () => {
    await withSeed(42, async (seed) => {
      const a = await scenario(seed);
      const b = await scenario(seed);
      const c = await scenario(seed + 1);
      expect(a.events).toBeGreaterThan(3000);
      expect(b).toEqual(a);
      expect(c.hash).not.toBe(a.hash);
    });
  });

  it('the trace hash is sensitive to payload bytes and timing', async () => {
    await withSeed(7, async (seed) => {
      const hashes = new Set<string>();
      for (const [payload, delayMs] of [
        [1, 0],
        [2, 0],
        [1, 1],
      ] as const) {
        const sim = new SimNetwork({ seed });
        const [a, b] = addNodes(sim, 2);
        b?.transport.onPacket(() => {});
        sim.after(delayMs, () => a?.transport.sendPacket(b?.address ?? '', seqBytes(payload)));
        sim.runSync(10);
        hashes.add(sim.traceHash());
      }
      expect(hashes.size).toBe(3);
    });
  });

  it('run and runSync replay a synchronous scenario identically', async () => {
    await withSeed(8, async (seed) => {
      const hashOf = async (mode: 'async' | 'sync'): Promise<string> => {
        const sim = new SimNetwork({ seed, link: { loss: 0.1, duplicate: 0.1, reorder: 0.1 } });
        const nodes = addNodes(sim, 10);
        for (const n of nodes) {
          n.transport.onPacket(() => {});
          n.transport.onRequest((_from, bytes) => bytes);
          n.scheduler.every(
            20,
            () => {
              n.transport.sendPacket(`n${n.random.int(10)}:7946`, seqBytes(n.random.uint32()));
            },
            5,
          );
        }
        if (mode === 'async') await sim.run(500);
        else sim.runSync(500);
        return sim.traceHash();
      };
      expect(await hashOf('async')).toBe(await hashOf('sync'));
    });
  });
});
