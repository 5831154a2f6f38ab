import { describe, expect, it } from 'vitest';
import { lanConfig } from '../../../src/membership/config.js';
import type { Membership } from '../../../src/membership/membership.js';
import { assembleNode, type NodeAssemblySettings } from '../../../src/node/assemble.js';
import type { Random } from '../../../src/runtime/random.js';
import { SimNetwork } from '../../../src/sim/index.js';
import { Keyring } from '../../../src/wire/index.js';
import { settle, simEnv } from '../helpers.js';
import { withSeed } from '../seed.js';

function key(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

/** A keyring whose nonces come from the node's seeded Random, so the run replays exactly. */
function keyring(random: Random, primary: Uint8Array, others: Uint8Array[] = []): Keyring {
  const nonce = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => random.int(256));
  const r = Keyring.create(primary, others, { nonce });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A membership-only node through the node assembly, sealed as `opts` says (keyring, label). */
async function startNode(
  sim: SimNetwork,
  i: number,
  opts: (random: Random) => Pick<NodeAssemblySettings, 'keyring' | 'label'>,
): Promise<{ m: Membership; addr: string }> {
  const addr = `n${i}:7946`;
  const simNode = sim.addNode(addr);
  const node = await assembleNode(simEnv(simNode), {
    name: `n${i}`,
    cluster: 'sim',
    membership: lanConfig(),
    store: false,
    ...opts(simNode.random),
  });
  node.start();
  return { m: node.membership, addr };
}

describe('membership encryption (simulated)', () => {
  it('a node with the wrong key cannot join, and its packets are dropped and counted', async () => {
    await withSeed(11, async (seed) => {
      const sim = new SimNetwork({ seed });
      const nodes = await Promise.all(
        [0, 1, 2].map((i) => startNode(sim, i, (r) => ({ keyring: keyring(r, key(1)) }))),
      );
      for (const n of nodes.slice(1)) void n.m.joinWithRetry([nodes[0]!.addr]);
      await sim.runUntil(() => nodes.every((n) => n.m.countByState().alive === 3), 30_000);
      expect(nodes.every((n) => n.m.countByState().alive === 3)).toBe(true);

      const intruder = await startNode(sim, 3, (r) => ({ keyring: keyring(r, key(2)) }));
      const joined = intruder.m.join([nodes[0]!.addr]);
      await sim.run(5_000);
      const result = await joined;
      expect(result.contacted).toBe(0);
      expect(intruder.m.countByState().alive).toBe(1);
      for (const n of nodes) expect(n.m.member('n3')).toBeUndefined();
      expect(nodes[0]!.m.sealStats.errors['decrypt-failed']).toBeGreaterThan(0);

      const plain = await startNode(sim, 4, () => ({}));
      expect((await settle(sim, plain.m.join([nodes[0]!.addr]))).contacted).toBe(0);
      for (const n of nodes) expect(n.m.member('n4')).toBeUndefined();
    });
  });

  it('rotating the key (install everywhere, switch primary, remove old) causes no false failure', async () => {
    await withSeed(12, async (seed) => {
      const sim = new SimNetwork({ seed });
      const k1 = key(1);
      const k2 = key(2);
      const rings: Keyring[] = [];
      const nodes = await Promise.all(
        [0, 1, 2, 3, 4].map((i) =>
          startNode(sim, i, (r) => {
            const ring = keyring(r, k1);
            rings.push(ring);
            return { keyring: ring };
          }),
        ),
      );
      const failures: string[] = [];
      for (const n of nodes) n.m.onEvent((e) => e.kind === 'fail' && failures.push(e.member.id));
      for (const n of nodes.slice(1)) void n.m.joinWithRetry([nodes[0]!.addr]);
      await sim.runUntil(() => nodes.every((n) => n.m.countByState().alive === 5), 30_000);

      // memberlist/serf rotation: install k2 everywhere, then make it primary one node at a time, then
      // remove k1 — with traffic flowing throughout.
      for (const r of rings) expect(r.addKey(k2).ok).toBe(true);
      await sim.run(5_000);
      for (const r of rings) {
        expect(r.useKey(k2).ok).toBe(true);
        await sim.run(3_000);
      }
      for (const r of rings) expect(r.removeKey(k1).ok).toBe(true);
      await sim.run(60_000);

      expect(failures).toEqual([]);
      for (const n of nodes) expect(n.m.countByState()).toMatchObject({ alive: 5, dead: 0 });
      const sums = new Set(nodes.map((n) => n.m.checksum()));
      expect(sums.size).toBe(1);
    });
  });

  it('a node with another cluster label is kept out', async () => {
    await withSeed(13, async (seed) => {
      const sim = new SimNetwork({ seed });
      const a = await startNode(sim, 0, () => ({ label: 'prod' }));
      const b = await startNode(sim, 1, () => ({ label: 'staging' }));
      expect((await settle(sim, b.m.join([a.addr]))).contacted).toBe(0);
      await sim.run(5_000);
      expect(a.m.member('n1')).toBeUndefined();
      expect(a.m.sealStats.errors['bad-label']).toBeGreaterThan(0);
    });
  });
});
