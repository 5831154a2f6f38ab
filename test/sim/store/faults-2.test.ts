import { describe, it } from 'vitest';
import { expectSeedsPass } from './fault-seeds.js';

// Seeds 56..110 of the store's fault runs (see fault-run.ts); 4 files × 55 = 220 seeds in npm test.
describe('store under seeded faults (2/4)', () => {
  it('no acknowledged write lost, replicas converge, strict mode linearizable', async () => {
    await expectSeedsPass(56, 55);
  }, 240_000);
});
