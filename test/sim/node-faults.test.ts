import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../src/sim/index.js';
import { TransportError } from '../../src/transport/transport.js';
import { addNodes, recordPackets, seqBytes } from './helpers.js';
import { withSeed } from './seed.js';

function track<T>(p: Promise<T>): { settled: boolean; value?: T; code?: string } {
  const s: { settled: boolean; value?: T; code?: string } = { settled: false };
  p.then(
    (v) => {
      s.settled = true;
      s.value = v;
    },
    (err: unknown) => {
      s.settled = true;
      s.code = err instanceof TransportError ? err.code : String(err);
    },
  );
  return s;
}

const constant = { latency: { kind: 'constant', ms: 1 } } as const;

describe('node crash and restart', () => {
  it('a crashed node receives nothing, runs no timers, and requests to it fail fast as unreachable', async () => {
    await withSeed(21, async (seed) => {
      const sim = new SimNetwork({ seed, link: constant });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      const atB = recordPackets(sim, b);
      let ticks = 0;
      b.scheduler.every(10, () => ticks++);
      a.transport.sendPacket(b.address, seqBytes(1)); // in flight when b crashes
      const fromB = track(b.transport.request(a.address, seqBytes(9), 50));
      sim.crash(b.address);
      const req = track(a.transport.request(b.address, seqBytes(2), 1000));
      await sim.run(100);
      expect(atB).toEqual([]);
      expect(ticks).toBe(0);
      expect(req).toEqual({ settled: true, code: 'unreachable' });
      expect(sim.now()).toBe(100);
      // b's own pending request is dropped with the process: it never settles.
      expect(fromB.settled).toBe(false);
      expect(b.transport.sendPacket(a.address, seqBytes(3))).toEqual({ ok: false, error: 'closed' });
      expect(sim.counters().undeliverable).toBe(1);
      expect(sim.state(b.address)).toBe('crashed');
    });
  });

  it('a request being served when the server crashes fails with closed (connection reset)', async () => {
    await withSeed(22, async (seed) => {
      const sim = new SimNetwork({ seed, link: constant });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      b.transport.onRequest(() => new Promise<Uint8Array>(() => {}));
      const req = track(a.transport.request(b.address, seqBytes(1), 1000));
      sim.at(10, () => sim.crash(b.address));
      await sim.run(20);
      expect(req).toEqual({ settled: true, code: 'closed' });
    });
  });

  it('a restarted node gets a fresh, working transport; the old one stays dead', async () => {
    await withSeed(23, async (seed) => {
      const sim = new SimNetwork({ seed, link: constant });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      const oldGot = recordPackets(sim, b);
      sim.crash(b.address);
      const b2 = sim.restart(b.address);
      expect(b2.incarnation).toBe(1);
      expect(b2.transport).not.toBe(b.transport);
      expect(sim.node(b.address)).toBe(b2);
      const newGot = recordPackets(sim, b2);
      b2.transport.onRequest((_from, bytes) => bytes);
      a.transport.sendPacket(b.address, seqBytes(5));
      const res = track(a.transport.request(b.address, seqBytes(6), 100));
      let fired = false;
      b.scheduler.after(1, () => {
        fired = true;
      });
      await sim.run(10);
      expect(oldGot).toEqual([]);
      expect(newGot.map((p) => p.seq)).toEqual([5]);
      expect(res.value).toEqual(seqBytes(6));
      expect(fired).toBe(false);
      await expect(b.transport.request(a.address, seqBytes(1), 10)).rejects.toMatchObject({ code: 'closed' });
    });
  });
});

describe('node pause (GC stall)', () => {
  it('holds timers, datagrams and requests while paused and runs them in order when it wakes', async () => {
    await withSeed(31, async (seed) => {
      const sim = new SimNetwork({ seed, link: constant });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      const atB = recordPackets(sim, b);
      b.transport.onRequest((_from, bytes) => bytes);
      const timers: number[] = [];
      b.scheduler.after(10, () => timers.push(sim.now()));
      let ticks = 0;
      b.scheduler.every(20, () => ticks++);
      sim.pause(b.address, 100);
      expect(sim.state(b.address)).toBe('paused');
      sim.at(5, () => a.transport.sendPacket(b.address, seqBytes(1)));
      sim.at(6, () => a.transport.sendPacket(b.address, seqBytes(2)));
      const slow = track(a.transport.request(b.address, seqBytes(3), 500));
      const fast = track(a.transport.request(b.address, seqBytes(4), 50));
      await sim.run(99);
      expect(atB).toEqual([]);
      expect(timers).toEqual([]);
      expect(ticks).toBe(0);
      expect(fast).toEqual({ settled: true, code: 'timeout' });
      await sim.run(50);
      expect(sim.state(b.address)).toBe('up');
      expect(timers).toEqual([100]);
      expect(atB.map((p) => [p.atMs, p.seq])).toEqual([
        [100, 1],
        [100, 2],
      ]);
      // The periodic timer's missed ticks coalesce into one on wake, then it resumes its period.
      expect(ticks).toBe(3); // at 100, 120, 140
      expect(slow.value).toEqual(seqBytes(3));
    });
  });

  it('bounds the datagrams held for a paused node', async () => {
    await withSeed(32, (seed) => {
      const sim = new SimNetwork({ seed, maxHeldPackets: 10, link: constant });
      const [a, b] = addNodes(sim, 2);
      if (a === undefined || b === undefined) throw new Error('nodes');
      const atB = recordPackets(sim, b);
      sim.pause(b.address);
      for (let i = 0; i < 25; i++) a.transport.sendPacket(b.address, seqBytes(i));
      sim.runSync(10);
      sim.resume(b.address);
      sim.runSync(10);
      expect(atB.map((p) => p.seq)).toEqual([...Array(10).keys()]);
      expect(sim.counters().overflow).toBe(15);
    });
  });
});

describe('clock skew', () => {
  it("a node's clock reads offset + drift, and its timers run in local time", async () => {
    await withSeed(41, (seed) => {
      const sim = new SimNetwork({ seed });
      const fast = sim.addNode('fast:1', { offsetMs: 1000, driftPpm: 1000 }); // 0.1% fast, 1 s ahead
      const exact = sim.addNode('exact:1');
      expect(fast.clock.now()).toBe(1000);
      const fired: Record<string, number> = {};
      fast.scheduler.after(1001, () => {
        fired['fast'] = sim.now();
      });
      exact.scheduler.after(1001, () => {
        fired['exact'] = sim.now();
      });
      sim.runSync(10_000);
      expect(fired['exact']).toBe(1001);
      expect(fired['fast']).toBeCloseTo(1000, 6);
      expect(fast.clock.now()).toBeCloseTo(10_000 * 1.001 + 1000, 6);
      expect(exact.clock.now()).toBe(10_000);
      sim.setClockSkew('exact:1', { offsetMs: -500 });
      expect(exact.clock.now()).toBe(9_500);
      // Skew belongs to the machine: it survives a restart.
      expect(sim.restart('fast:1').clock.now()).toBeCloseTo(11_010, 6);
    });
  });
});
