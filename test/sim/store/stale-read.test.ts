import { describe, expect, it } from 'vitest';
import { runFaultSeed } from './fault-run.js';
import { failureOf } from './verdict.js';

/**
 * docs/consistency.md's example: W + R > N (quorum/quorum, N = 3) with sloppy quorums still returns stale
 * reads. Seed 21 replays one; the strict namespace of the same run, under the same faults, stays linearizable.
 */
describe('sloppy quorums give stale reads even with W + R > N (docs/consistency.md)', () => {
  it('seed 21: a read misses a write acknowledged before it began; strict mode does not', async () => {
    const r = await runFaultSeed(21);
    expect(r.reg.stale.length).toBeGreaterThan(0);
    const first = r.reg.stale[0];
    expect(first?.missedAckMs).toBeLessThan(first?.readAtMs ?? 0);
    expect(failureOf(r)).toBeUndefined();
    expect(r.lin.result).toBe('ok');
  }, 60_000);
});
