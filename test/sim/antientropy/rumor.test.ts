import { describe, expect, it } from 'vitest';
import { demersResidue } from '../../../src/antientropy/rumor-config.js';
import { withSeed } from '../seed.js';
import { type RumorRun, runRumor } from './rumor-cluster.js';

const N = 200;
const SEEDS_PER_K = 16;

const mean = (runs: readonly RumorRun[], f: (r: RumorRun) => number): number =>
  runs.reduce((acc, r) => acc + f(r), 0) / runs.length;

/** SEEDS_PER_K runs of one rumor among N nodes with counter k, seeds derived from the test's seed. */
function runsFor(seed: number, k: number, link?: Parameters<typeof runRumor>[0]['link']): RumorRun[] {
  return Array.from({ length: SEEDS_PER_K }, (_, i) =>
    runRumor({ n: N, k, seed: (seed + 1000 * k + i) >>> 0, ...(link ? { link } : {}) }),
  );
}

describe('data rumor mongering on 200 simulated nodes (push, feedback, counter; Demers et al. 1987)', () => {
  it('with k = 3 the rumor misses a few percent at most and every node loses interest', async () => {
    await withSeed(6001, (seed) => {
      const runs = runsFor(seed, 3);
      const residue = mean(runs, (r) => r.residue);
      console.log(
        `k=3, n=${N}: residue mean ${residue.toFixed(4)} (Demers ${demersResidue(3).toFixed(4)}), per seed ` +
          `${runs.map((r) => r.residue).join(' ')}; rounds to die out ${runs.map((r) => r.dieOutRound).join(' ')}`,
      );
      // Demers §1.4: s = e^{-4(1-s)} ≈ 0.020 for k = 3; the bound leaves room for n = 200's spread.
      expect(residue).toBeLessThan(0.1);
      for (const r of runs) {
        expect(r.residue).toBeLessThan(0.15);
        expect(r.dieOutRound).not.toBeNull();
        // Spreading takes about log2 n + ln n ≈ 13 rounds (Pittel 1987); dying out adds about k more.
        expect(r.dieOutRound).toBeLessThanOrEqual(40);
      }
    });
  });

  it('residue falls as k grows from 1 to 4 (averaged over seeds), close to s = e^{-(k+1)(1-s)}', async () => {
    await withSeed(6002, (seed) => {
      const residues: number[] = [];
      for (let k = 1; k <= 4; k++) residues.push(mean(runsFor(seed, k), (r) => r.residue));
      console.log(
        `n=${N}, residue by k=1..4: ${residues.map((s) => s.toFixed(4)).join(' ')}; Demers: ` +
          `${[1, 2, 3, 4].map((k) => demersResidue(k).toFixed(4)).join(' ')}`,
      );
      for (let k = 2; k <= 4; k++) expect(residues[k - 1]).toBeLessThan(residues[k - 2] as number);
      // k = 1 is the Maki–Thompson rumor: ≈ 0.203 of the population never hears it (Sudbury 1985).
      expect(Math.abs((residues[0] as number) - demersResidue(1))).toBeLessThan(0.06);
    });
  });

  it('each node reached sends exactly k unnecessary pushes: (k+1)·reached − 1 pushes in all', async () => {
    await withSeed(6003, (seed) => {
      for (let k = 1; k <= 4; k++) {
        for (const r of runsFor(seed, k)) {
          // Demers §1.4 ("Counter vs. Coin"): m − 1 necessary messages plus k unnecessary per removed site,
          // exact with one push per round and feedback back within the round.
          expect(r.pushes).toBe((k + 1) * r.reached - 1);
          expect(r.feedbackIgnored).toBe(0);
          // Every push is answered by one feedback datagram.
          expect(r.datagrams).toBe(2 * r.pushes);
          const perNode = r.pushes / N;
          expect(perNode).toBeGreaterThanOrEqual(k);
          expect(perNode).toBeLessThanOrEqual(k + 1);
        }
      }
    });
  });

  it('with 10 % datagram loss the rumor still dies out and still misses few nodes', async () => {
    await withSeed(6004, (seed) => {
      const runs = runsFor(seed, 3, { loss: 0.1 });
      const residue = mean(runs, (r) => r.residue);
      console.log(
        `k=3, n=${N}, 10 % loss: residue mean ${residue.toFixed(4)}, pushes/node ` +
          `${mean(runs, (r) => r.pushes / N).toFixed(2)}`,
      );
      expect(residue).toBeLessThan(0.1);
      // A lost push or answer does not advance the counter, so a node pushes a little more, never forever.
      for (const r of runs) expect(r.dieOutRound).not.toBeNull();
    });
  });

  it('replays exactly from its seed', async () => {
    await withSeed(6005, (seed) => {
      const a = runRumor({ n: N, k: 2, seed });
      const b = runRumor({ n: N, k: 2, seed });
      expect(b).toEqual(a);
    });
  });
});
