import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../src/sim/index.js';
import { TransportError } from '../../src/transport/transport.js';
import { testSeed } from '../sim/seed.js';
import { simHarness } from './sim-harness.js';
import { transportContract } from './transport-contract.js';

transportContract('sim', async () => simHarness());

describe('SimTransport in virtual time', () => {
  const lan = { latency: { kind: 'constant', ms: 2 } } as const;

  it('delivers a datagram after exactly the link latency', async () => {
    const sim = new SimNetwork({ seed: testSeed(1), link: lan });
    const a = sim.addNode('a:1');
    const b = sim.addNode('b:1');
    const got: [number, string, number][] = [];
    b.transport.onPacket((from, bytes) => got.push([sim.now(), from, bytes[0] ?? -1]));
    expect(a.transport.localAddress).toBe('a:1');
    a.transport.sendPacket('b:1', Uint8Array.of(7));
    await sim.run(10);
    expect(got).toEqual([[2, 'a:1', 7]]);
  });

  it('answers a request after one round trip and times out at exactly timeoutMs', async () => {
    const sim = new SimNetwork({ seed: testSeed(1), link: lan });
    const a = sim.addNode('a:1');
    const b = sim.addNode('b:1');
    b.transport.onRequest(async (_from, bytes) => Uint8Array.of((bytes[0] ?? 0) + 1));
    let answeredAt = -1;
    const res = a.transport.request('b:1', Uint8Array.of(1), 100).then((r) => {
      answeredAt = sim.now();
      return r;
    });
    await sim.run(10);
    expect([...(await res)]).toEqual([2]);
    expect(answeredAt).toBe(4);

    b.transport.onRequest(() => new Promise<Uint8Array>(() => {}));
    let failedAt = -1;
    const timedOut = a.transport.request('b:1', Uint8Array.of(1), 100).catch((err: unknown) => {
      failedAt = sim.now();
      return err;
    });
    await sim.run(200);
    expect(await timedOut).toMatchObject({ code: 'timeout' });
    expect(failedAt).toBe(110);
  });

  it('refuses an unknown destination quickly as unreachable', async () => {
    const sim = new SimNetwork({ seed: testSeed(1), link: lan });
    const a = sim.addNode('a:1');
    const p = a.transport.request('nobody:1', Uint8Array.of(1), 1000).catch((err: unknown) => err);
    await sim.run(5);
    const err = await p;
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('unreachable');
  });

  it('rejects oversize requests up front and closes cleanly', async () => {
    const sim = new SimNetwork({ seed: testSeed(1), maxFrameBytes: 64 });
    const a = sim.addNode('a:1');
    sim.addNode('b:1');
    await expect(a.transport.request('b:1', new Uint8Array(65), 10)).rejects.toMatchObject({
      code: 'oversize',
    });
    const pending = a.transport.request('b:1', Uint8Array.of(1), 1000);
    await a.transport.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    expect(a.transport.sendPacket('b:1', Uint8Array.of(1))).toEqual({ ok: false, error: 'closed' });
    // Up-front refusals never reach the network; only the issued request counts as failed.
    expect(sim.counters()).toMatchObject({ requests: 1, requestsFailed: 1 });
  });
});
