import { createServer } from 'node:net';
import { seededRandom } from '../../src/runtime/random.js';
import { RealScheduler } from '../../src/runtime/real.js';
import { type Address, formatAddress } from '../../src/transport/transport.js';
import { UdpTransport } from '../../src/transport/udp-transport.js';
import { transportContract } from './transport-contract.js';
import type { TransportHarness } from './transport-harness.js';

const POLL_MS = 2;

/** Real sockets on 127.0.0.1; time is real, bounded by the budgets the contract gives. */
export function udpHarness(): TransportHarness {
  const created: UdpTransport[] = [];
  const scheduler = new RealScheduler(seededRandom(1));
  return {
    async create(opts) {
      const t = await UdpTransport.bind({ host: '127.0.0.1', port: 0, scheduler, ...opts });
      created.push(t);
      return t;
    },
    async waitUntil(cond, budgetMs) {
      const end = performance.now() + budgetMs;
      while (!cond()) {
        if (performance.now() >= end) return cond();
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      return true;
    },
    settle<T>(p: Promise<T>, budgetMs: number): Promise<T> {
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not settled within ${budgetMs} ms`)), budgetMs);
      });
      return Promise.race([p, budget]).finally(() => clearTimeout(timer));
    },
    async deadAddress(): Promise<Address> {
      // Bind a port, then free it: nothing listens there afterwards (the OS rarely reuses it at once).
      const s = createServer();
      await new Promise<void>((r) => s.listen({ host: '127.0.0.1', port: 0 }, r));
      const port = (s.address() as { port: number }).port;
      await new Promise<void>((r) => s.close(() => r()));
      return formatAddress('127.0.0.1', port);
    },
    async teardown() {
      await Promise.all(created.splice(0).map((t) => t.close()));
    },
  };
}

transportContract('udp', async () => udpHarness());
