import type { NodeEnv } from '../../src/node/assemble.js';
import type { SimNetwork, SimNode } from '../../src/sim/index.js';

/** n nodes named n0:7946 … */
export function addNodes(sim: SimNetwork, n: number): SimNode[] {
  const nodes: SimNode[] = [];
  for (let i = 0; i < n; i++) nodes.push(sim.addNode(`n${i}:7946`));
  return nodes;
}

/** A 4-byte big-endian sequence number payload. */
export function seqBytes(i: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, i);
  return b;
}

export function readSeq(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0);
}

/** Records (virtual time, from, seq) of every packet a node receives. */
export function recordPackets(sim: SimNetwork, node: SimNode): { atMs: number; from: string; seq: number }[] {
  const got: { atMs: number; from: string; seq: number }[] = [];
  node.transport.onPacket((from, bytes) => got.push({ atMs: sim.now(), from, seq: readSeq(bytes) }));
  return got;
}

/** Runs the simulation until `p` settles (at most `maxMs` virtual ms, else throws), then returns its outcome. */
export async function settle<T>(sim: SimNetwork, p: Promise<T>, maxMs = 60_000): Promise<T> {
  let done = false;
  const mark = (): void => {
    done = true;
  };
  void p.then(mark, mark);
  await sim.runUntil(() => done, maxMs);
  if (!done) throw new Error(`promise did not settle within ${maxMs} virtual ms`);
  return p;
}

/** What `assembleNode` runs on for a simulated node: its clock, scheduler, random and transport (plus `extra`). */
export function simEnv(node: SimNode, extra: Partial<NodeEnv> = {}): NodeEnv {
  return {
    clock: node.clock,
    scheduler: node.scheduler,
    random: node.random,
    transport: node.transport,
    ...extra,
  };
}
