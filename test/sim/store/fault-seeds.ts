import { expect } from 'vitest';
import { runFaultSeed } from './fault-run.js';
import { failureOf } from './verdict.js';

/**
 * Runs the fault seeds [from, from + count) and fails with every failing seed and its replay command. The
 * 200+ seeds of `npm test` are split over several files so vitest runs them on both cores.
 */
export async function expectSeedsPass(from: number, count: number): Promise<void> {
  const failures: string[] = [];
  let acked = 0;
  let strictOps = 0;
  for (let seed = from; seed < from + count; seed++) {
    const r = await runFaultSeed(seed);
    acked += r.sets.acked;
    strictOps += r.lin.ops;
    const why = failureOf(r);
    if (why !== undefined) {
      failures.push(
        `seed=${seed} (replay: HEARSAY_SEED=${seed} npx vitest run test/sim/store/replay.test.ts): ${why}`,
      );
    }
  }
  expect(failures).toEqual([]);
  // The workloads must have done real work, or "nothing lost" means nothing.
  expect(acked).toBeGreaterThan(count * 50);
  expect(strictOps).toBeGreaterThan(count * 50);
}
