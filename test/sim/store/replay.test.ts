import { describe, expect, it } from 'vitest';
import { withSeed } from '../seed.js';
import { runFaultSeed } from './fault-run.js';
import { failureOf } from './verdict.js';

describe('store fault run replay', () => {
  it('one seed (HEARSAY_SEED, default 7) holds every invariant and replays to the same trace', async () => {
    await withSeed(7, async (seed) => {
      const a = await runFaultSeed(seed);
      expect(failureOf(a)).toBeUndefined();
      const b = await runFaultSeed(seed);
      expect(b.trace).toBe(a.trace);
      expect(b).toEqual(a);
    });
  }, 120_000);
});
