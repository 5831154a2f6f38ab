import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../src/sim/index.js';
import { TransportError } from '../../src/transport/transport.js';
import { addNodes, recordPackets, seqBytes } from './helpers.js';
import { withSeed } from './seed.js';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof TransportError ? err.code : String(err);
  }
}

describe('partitions', () => {
  it('a two-way partition cuts both directions between the groups, not within them, until healed', async () => {
    await withSeed(11, (seed) => {
      const sim = new SimNetwork({ seed });
      const nodes = addNodes(sim, 4);
      const [a, b, c, d] = nodes.map((n) => n.address) as [string, string, string, string];
      const got = nodes.map((n) => recordPackets(sim, n));
      sim.partition([a, b], [c, d]);
      const sendAll = (): void => {
        for (const from of nodes)
          for (const to of nodes) if (from !== to) from.transport.sendPacket(to.address, seqBytes(1));
      };
      sendAll();
      sim.runSync(50);
      // Each node hears only its own side's other member.
      expect(got.map((g) => g.map((p) => p.from).sort())).toEqual([[b], [a], [d], [c]]);
      expect(sim.counters().partitioned).toBe(8);
      expect(sim.linkCounters(a, c).partitioned).toBe(1);
      sim.heal();
      sendAll();
      sim.runSync(50);
      expect(got.map((g) => g.length)).toEqual([4, 4, 4, 4]);
    });
  });

  it('a one-way partition drops A → B while B → A flows', async () => {
    await withSeed(12, (seed) => {
      const sim = new SimNetwork({ seed });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      const atA = recordPackets(sim, a);
      const atB = recordPackets(sim, b);
      const id = sim.partition([a.address], [b.address], { oneWay: true });
      a.transport.sendPacket(b.address, seqBytes(1));
      b.transport.sendPacket(a.address, seqBytes(2));
      sim.runSync(50);
      expect(atB).toEqual([]);
      expect(atA.map((p) => p.seq)).toEqual([2]);
      sim.heal(id);
      a.transport.sendPacket(b.address, seqBytes(3));
      sim.runSync(50);
      expect(atB.map((p) => p.seq)).toEqual([3]);
    });
  });

  it('requests across a partition time out in virtual time; after healing they succeed', async () => {
    await withSeed(13, async (seed) => {
      const sim = new SimNetwork({ seed });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      b.transport.onRequest((_from, bytes) => bytes);
      sim.partition([a.address], [b.address]);
      const t0 = sim.now();
      const p = code(a.transport.request(b.address, seqBytes(1), 500));
      await sim.run(1000);
      expect(await p).toBe('timeout');
      // A one-way cut of the return path loses the response too.
      sim.heal();
      sim.partition([b.address], [a.address], { oneWay: true });
      const q = code(a.transport.request(b.address, seqBytes(2), 500));
      await sim.run(1000);
      expect(await q).toBe('timeout');
      sim.heal();
      const r = a.transport.request(b.address, seqBytes(3), 500);
      await sim.run(100);
      expect(await r).toEqual(seqBytes(3));
      expect(sim.now() - t0).toBe(2100);
    });
  });
});
