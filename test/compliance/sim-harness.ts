import { SimNetwork } from '../../src/sim/index.js';
import { type Address, formatAddress } from '../../src/transport/transport.js';
import { testSeed } from '../sim/seed.js';
import type { TransportHarness } from './transport-harness.js';

/**
 * SimNetwork behind the contract's harness: every transport is a node of one simulated LAN and time passes
 * only when the harness runs the event queue, so budgets are virtual milliseconds.
 */
export function simHarness(sim: SimNetwork = new SimNetwork({ seed: testSeed(1) })): TransportHarness {
  let next = 1;
  return {
    async create(opts) {
      const node = sim.addNode(formatAddress(`10.0.${next >> 8}.${next & 0xff}`, 7946), opts);
      next++;
      return node.transport;
    },
    waitUntil(cond, budgetMs) {
      return sim.runUntil(cond, budgetMs);
    },
    async settle<T>(p: Promise<T>, budgetMs: number): Promise<T> {
      let done = false;
      const tracked = p.finally(() => {
        done = true;
      });
      tracked.catch(() => {});
      if (!(await sim.runUntil(() => done, budgetMs))) {
        throw new Error(`not settled within ${budgetMs} virtual ms (seed=${sim.seed})`);
      }
      return tracked;
    },
    async deadAddress(): Promise<Address> {
      // A TEST-NET-3 address no node ever uses.
      return '203.0.113.1:7946';
    },
    async teardown() {
      await Promise.all(sim.nodeAddresses().map((a) => sim.node(a).transport.close()));
    },
  };
}
