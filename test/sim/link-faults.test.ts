import { describe, expect, it } from 'vitest';
import { type LatencyModel, meanLatencyMs, SimNetwork } from '../../src/sim/index.js';
import { addNodes, readSeq, recordPackets, seqBytes } from './helpers.js';
import { withSeed } from './seed.js';

const N = 10_000;

/** |x − n·p| within 4 standard deviations of a Binomial(n, p): fails by chance with probability ~6e-5. */
function expectBinomial(x: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(x - n * p)).toBeLessThanOrEqual(4 * sd);
}

describe('per-link faults', () => {
  it('30% loss makes ~30% of datagrams vanish, and the counters say so', async () => {
    await withSeed(1, (seed) => {
      const sim = new SimNetwork({ seed });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      const got = recordPackets(sim, b);
      sim.setLink(a.address, b.address, { loss: 0.3 });
      for (let i = 0; i < N; i++) a.transport.sendPacket(b.address, seqBytes(i));
      sim.runSync(100);
      const c = sim.linkCounters(a.address, b.address);
      expect(c.sent).toBe(N);
      expectBinomial(c.lost, N, 0.3);
      expect(got.length).toBe(N - c.lost);
      expect(c.delivered).toBe(got.length);
      // The reverse direction keeps the default (no loss).
      expect(sim.link(b.address, a.address).loss).toBe(0);
    });
  });

  it('10% duplication delivers ~10% extra copies', async () => {
    await withSeed(2, (seed) => {
      const sim = new SimNetwork({ seed, link: { duplicate: 0.1 } });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      const got = recordPackets(sim, b);
      for (let i = 0; i < N; i++) a.transport.sendPacket(b.address, seqBytes(i));
      sim.runSync(100);
      const dup = sim.counters().duplicated;
      expectBinomial(dup, N, 0.1);
      expect(got.length).toBe(N + dup);
      expect(new Set(got.map((g) => g.seq)).size).toBe(N);
    });
  });

  it('reordering makes later datagrams overtake earlier ones; none without it', async () => {
    await withSeed(3, (seed) => {
      const inversions = (reorder: number): { inv: number; reordered: number } => {
        const sim = new SimNetwork({
          seed,
          link: { latency: { kind: 'constant', ms: 1 }, reorder, reorderDelayMs: 20 },
        });
        const [a, b] = addNodes(sim, 2);
        if (a === undefined || b === undefined) throw new Error('nodes');
        const got = recordPackets(sim, b);
        for (let i = 0; i < 2000; i++) sim.at(i, () => a.transport.sendPacket(b.address, seqBytes(i)));
        sim.runSync(3000);
        expect(got.length).toBe(2000);
        let inv = 0;
        for (let i = 1; i < got.length; i++) if ((got[i]?.seq ?? 0) < (got[i - 1]?.seq ?? 0)) inv++;
        return { inv, reordered: sim.counters().reordered };
      };
      const none = inversions(0);
      expect(none).toEqual({ inv: 0, reordered: 0 });
      const some = inversions(0.2);
      expectBinomial(some.reordered, 2000, 0.2);
      expect(some.inv).toBeGreaterThan(100);
    });
  });

  it('a datagram sent while in flight is still FIFO on a constant-latency link', async () => {
    await withSeed(4, (seed) => {
      const sim = new SimNetwork({ seed, link: { latency: { kind: 'constant', ms: 5 } } });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      const got = recordPackets(sim, b);
      for (let i = 0; i < 100; i++) a.transport.sendPacket(b.address, seqBytes(i));
      sim.runSync(10);
      expect(got.map((g) => g.seq)).toEqual([...Array(100).keys()]);
      expect(got.every((g) => g.atMs === 5)).toBe(true);
    });
  });

  const models: [string, LatencyModel, number][] = [
    // [name, model, standard deviation of one sample]
    ['uniform', { kind: 'uniform', minMs: 2, maxMs: 8 }, 6 / Math.sqrt(12)],
    ['normal', { kind: 'normal', meanMs: 10, stdDevMs: 2 }, 2],
    ['exponential with a floor', { kind: 'exponential', meanMs: 5, minMs: 1 }, 5],
    [
      'log-normal with a floor',
      { kind: 'logNormal', medianMs: 2, sigma: 0.5, minMs: 0.5 },
      Math.sqrt((Math.exp(0.25) - 1) * 4 * Math.exp(0.25)),
    ],
  ];
  for (const [name, model, sd] of models) {
    it(`${name} latency: the mean delay is within 4σ of the model's mean, never below the floor`, async () => {
      await withSeed(5, (seed) => {
        const sim = new SimNetwork({ seed, link: { latency: model } });
        const [a, b] = addNodes(sim, 2);
        if (a === undefined || b === undefined) throw new Error('nodes');
        const sentAt: number[] = [];
        const delays: number[] = [];
        b.transport.onPacket((_from, bytes) => delays.push(sim.now() - (sentAt[readSeq(bytes)] ?? 0)));
        for (let i = 0; i < N; i++) {
          sim.at(i * 0.1, () => {
            sentAt[i] = sim.now();
            a.transport.sendPacket(b.address, seqBytes(i));
          });
        }
        sim.runSync(N * 0.1 + 1000);
        expect(delays.length).toBe(N);
        const mean = delays.reduce((s, d) => s + d, 0) / N;
        expect(Math.abs(mean - meanLatencyMs(model))).toBeLessThanOrEqual((4 * sd) / Math.sqrt(N));
        const floor =
          model.kind === 'uniform' ? model.minMs : model.kind === 'constant' ? model.ms : (model.minMs ?? 0);
        expect(Math.min(...delays)).toBeGreaterThanOrEqual(floor);
      });
    });
  }

  it('link faults change over time on a schedule', async () => {
    await withSeed(6, (seed) => {
      const sim = new SimNetwork({ seed });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      const got = recordPackets(sim, b);
      sim.at(100, () => sim.setLink(a.address, b.address, { loss: 1 }));
      sim.at(200, () => sim.clearLink(a.address, b.address));
      for (let t = 0; t < 300; t += 10) sim.at(t, () => a.transport.sendPacket(b.address, seqBytes(t)));
      sim.runSync(400);
      const seqs = got.map((g) => g.seq);
      expect(seqs.filter((s) => s >= 100 && s < 200)).toEqual([]);
      expect(seqs.length).toBe(20);
      expect(sim.linkCounters(a.address, b.address).lost).toBe(10);
    });
  });

  it('rejects oversize datagrams without sending them', async () => {
    await withSeed(7, (seed) => {
      const sim = new SimNetwork({ seed, maxPacketBytes: 100 });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      expect(a.transport.maxPacketBytes).toBe(100);
      expect(a.transport.sendPacket(b.address, new Uint8Array(101))).toEqual({
        ok: false,
        error: 'oversize',
      });
      expect(a.transport.sendPacket(b.address, new Uint8Array(100))).toEqual({ ok: true });
      expect(sim.counters().sent).toBe(1);
    });
  });
});
