import { describe, it } from 'vitest';
import { expectSeedsPass } from './fault-seeds.js';

// Seeds 111..165 of the store's fault runs (see fault-run.ts); 4 files × 55 = 220 seeds in npm test.
describe('store under seeded faults (3/4)', () => {
  it('no acknowledged write lost, replicas converge, strict mode linearizable', async () => {
    await expectSeedsPass(111, 55);
  }, 240_000);
});
