import { describe, expect, it } from 'vitest';
import { type GetFsmRequest, runGet } from '../../../src/coordinator/get-fsm.js';
import { equal, join, sync } from '../../../src/versioning/dvvset.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import {
  ABC,
  failure,
  fallback,
  found,
  harness,
  KEY,
  mergedSet,
  notfound,
  primary,
  recordingMetrics,
  siblings,
  T,
  track,
  X1,
  X2,
  Z,
} from './fsm-harness.js';

function getReq(over: Partial<GetFsmRequest> = {}): GetFsmRequest {
  return {
    ns: 'data',
    key: KEY,
    partition: 5,
    targets: ABC,
    n: 3,
    r: 2,
    timeoutMs: 1000,
    syncRepair: false,
    writeBack: false,
    tombstoneGraceMs: 3000,
    ...over,
  };
}

// ---- runGet -----------------------------------------------------------------------------------------------

describe('runGet', () => {
  it('asks every target at once and answers after R replies, without waiting for the slow one', async () => {
    const h = harness({ get: { a: found(X2), b: found(X2, 10), c: found(X2, 500) } });
    const res = track(h.time, runGet(h, getReq()));
    await h.advance(0);
    expect(h.caller.of('get').map((c) => [c.node, c.atMs, c.timeoutMs])).toEqual([
      ['a', 0, 1000],
      ['b', 0, 1000],
      ['c', 0, 1000],
    ]);
    expect(h.caller.of('get')[0]!.req).toEqual({ op: 'get', ns: 'data', key: KEY, partition: 5 });
    expect(res.done).toBe(false);
    await h.advance(10);
    expect(res.done).toBe(true);
    expect(res.atMs).toBe(10);
    expect(res.value).toMatchObject({ kind: 'ok', context: join(X2) });
    if (res.value?.kind === 'ok') expect(siblings(res.value.merged)).toEqual(['x2']);
    await h.advance(1000);
    // Everyone agreed: nothing to repair.
    expect(h.caller.of('merge')).toEqual([]);
  });

  it('asks a fallback for the hint it keeps for the primary it stands in for', async () => {
    const h = harness({ get: { a: found(X2), d: found(X2) } });
    const res = track(h.time, runGet(h, getReq({ targets: [primary('a'), fallback('d', 'b')] })));
    await h.advance(0);
    expect(h.caller.to('get', 'd')[0]!.req).toMatchObject({ op: 'get', hintFor: 'b' });
    expect('hintFor' in h.caller.to('get', 'a')[0]!.req).toBe(false);
    expect(res.value?.kind).toBe('ok');
  });

  it('answers unavailable with needed/got at the timeout when R replies never come', async () => {
    const h = harness({ get: { a: found(X2), b: failure('storage') } });
    const res = track(h.time, runGet(h, getReq()));
    await h.advance(999);
    expect(res.done).toBe(false);
    await h.advance(1);
    expect(res.done).toBe(true);
    expect(res.atMs).toBe(1000);
    expect(res.value).toEqual({
      kind: 'unavailable',
      needed: 2,
      got: 1,
      errors: [{ replica: 'b', reason: 'storage: storage!' }],
    });
    expect(h.caller.of('merge')).toEqual([]);
  });

  it('gives up before the timeout once too many replicas failed for R to be reachable', async () => {
    const h = harness({ get: { a: found(X2), b: failure('corrupt'), c: failure('unavailable', 5) } });
    const res = track(h.time, runGet(h, getReq()));
    await h.advance(5);
    expect(res.done).toBe(true);
    expect(res.atMs).toBe(5);
    expect(res.value).toMatchObject({ kind: 'unavailable', needed: 2, got: 1 });
  });

  it('answers notfound when R replicas have nothing', async () => {
    const h = harness({ get: { a: notfound(), b: notfound() } });
    const res = track(h.time, runGet(h, getReq()));
    await h.advance(0);
    expect(res.value).toEqual({ kind: 'notfound', context: EMPTY_VV });
  });

  it('read-repairs the notfound and outdated replicas with a merge, only after all replied', async () => {
    const metrics = recordingMetrics();
    const h = harness({ get: { a: found(X2), b: found(X1), c: notfound(100) } });
    const res = track(h.time, runGet({ ...h, metrics }, getReq()));
    await h.advance(0);
    expect(res.value?.kind).toBe('ok');
    // Answered, but c has not replied yet: no repair so far.
    expect(h.caller.of('merge')).toEqual([]);
    await h.advance(100);
    const merges = h.caller.of('merge');
    expect(merges.map((c) => c.node).sort()).toEqual(['b', 'c']);
    for (const m of merges) {
      expect(m.atMs).toBe(100);
      expect(m.req).toMatchObject({ op: 'merge', ns: 'data', key: KEY, partition: 5 });
      expect('hintFor' in m.req).toBe(false);
      expect(equal(mergedSet(m), X2)).toBe(true);
      expect(siblings(mergedSet(m))).toEqual(['x2']);
    }
    await h.advance(0);
    expect(metrics.repairs.sort()).toEqual(['notfound', 'outofdate']);
  });

  it('read-repairs a fallback with its hint', async () => {
    const h = harness({ get: { a: found(X2), b: found(X2), d: notfound() } });
    track(h.time, runGet(h, getReq({ targets: [primary('a'), primary('b'), fallback('d', 'c')] })));
    await h.advance(0);
    expect(h.caller.of('merge').map((c) => [c.node, c.req.op === 'merge' && c.req.hintFor])).toEqual([
      ['d', 'c'],
    ]);
  });

  it('read-repairs the replicas that replied once the deadline passes without the last reply', async () => {
    const h = harness({ get: { a: found(X2), b: notfound() } });
    const res = track(h.time, runGet(h, getReq()));
    await h.advance(0);
    expect(res.value?.kind).toBe('ok');
    expect(h.caller.of('merge')).toEqual([]);
    await h.advance(1000);
    expect(h.caller.of('merge').map((c) => [c.node, c.atMs])).toEqual([['b', 1000]]);
  });

  it('with syncRepair sends the repair merge before the answer and waits for it', async () => {
    const metrics = recordingMetrics();
    const h = harness({ get: { a: found(X2), b: notfound() }, merge: { b: found(X2, 50) } });
    const res = track(h.time, runGet({ ...h, metrics }, getReq({ syncRepair: true })));
    await h.advance(0);
    expect(h.caller.to('merge', 'b').map((c) => c.atMs)).toEqual([0]);
    expect(res.done).toBe(false);
    await h.advance(49);
    expect(res.done).toBe(false);
    await h.advance(1);
    expect(res.done).toBe(true);
    expect(res.atMs).toBe(50);
    expect(res.value?.kind).toBe('ok');
    expect(metrics.repairs).toEqual(['notfound']);
    // The final action at the deadline does not repair b a second time.
    await h.advance(2000);
    expect(h.caller.to('merge', 'b').length).toBe(1);
    expect(h.caller.of('merge').length).toBe(1);
  });

  it('with syncRepair a replica repaired before the answer gets the fuller merge a later reply brings', async () => {
    const h = harness({ get: { a: found(X2), b: notfound(), c: found(Z, 10) } });
    const res = track(h.time, runGet(h, getReq({ syncRepair: true })));
    await h.advance(0);
    expect(res.done).toBe(true);
    expect(h.caller.to('merge', 'b').map((c) => siblings(mergedSet(c)))).toEqual([['x2']]);
    await h.advance(10);
    // c's concurrent sibling arrived after the answer: b is repaired again, now with both.
    expect(h.caller.to('merge', 'b').map((c) => siblings(mergedSet(c)))).toEqual([['x2'], ['x2', 'z']]);
  });

  it('with syncRepair and nothing to repair answers at once', async () => {
    const h = harness({ get: { a: found(X2), b: found(X2) } });
    const res = track(h.time, runGet(h, getReq({ syncRepair: true })));
    await h.advance(0);
    expect(res.done).toBe(true);
    expect(h.caller.of('merge')).toEqual([]);
  });

  it('with writeBack and disagreeing replies sends the merge and answers once N − R + 1 hold it', async () => {
    const h = harness({
      get: { a: found(X2), b: found(Z) },
      merge: { a: found(sync(X2, Z), 20), b: found(sync(X2, Z), 40), c: 'never' },
    });
    const res = track(h.time, runGet(h, getReq({ writeBack: true })));
    await h.advance(0);
    // Neither reply holds the merge (x2 and z are siblings), so all three targets are sent it.
    const merges = h.caller.of('merge');
    expect(merges.map((c) => c.node)).toEqual(['a', 'b', 'c']);
    for (const m of merges) expect(siblings(mergedSet(m))).toEqual(['x2', 'z']);
    expect(res.done).toBe(false);
    await h.advance(20);
    expect(res.done).toBe(false);
    await h.advance(20);
    expect(res.done).toBe(true);
    expect(res.atMs).toBe(40);
    expect(res.value?.kind).toBe('ok');
    if (res.value?.kind === 'ok') expect(siblings(res.value.merged)).toEqual(['x2', 'z']);
  });

  it('with writeBack counts replies that already hold the merge and only sends it to the others', async () => {
    const h = harness({ get: { a: found(X2), b: found(X1) }, merge: { c: 'never' } });
    const res = track(h.time, runGet(h, getReq({ writeBack: true })));
    await h.advance(0);
    expect(h.caller.of('merge').map((c) => c.node)).toEqual(['b', 'c']);
    // a held X2 already and b acked: 2 = N − R + 1 holders, without waiting for c.
    expect(res.done).toBe(true);
    expect(res.value?.kind).toBe('ok');
  });

  it('with writeBack and a merge already on N − R + 1 replies sends nothing', async () => {
    const h = harness({ get: { a: found(X2), b: found(X2) } });
    const res = track(h.time, runGet(h, getReq({ writeBack: true })));
    await h.advance(0);
    expect(res.value?.kind).toBe('ok');
    expect(h.caller.of('merge')).toEqual([]);
  });

  it('with writeBack answers unavailable when too few replicas take the merge', async () => {
    const h = harness({
      get: { a: found(X2), b: found(Z) },
      merge: { a: found(sync(X2, Z)), b: failure('storage'), c: failure('unavailable', 30) },
    });
    const res = track(h.time, runGet(h, getReq({ writeBack: true })));
    await h.advance(0);
    expect(res.done).toBe(false);
    await h.advance(30);
    expect(res.done).toBe(true);
    expect(res.value).toEqual({
      kind: 'unavailable',
      needed: 2,
      got: 1,
      errors: [{ replica: '', reason: 'write-back did not reach enough replicas' }],
    });
  });

  it('reaps a tombstone all N primaries agree on, passing the grace period', async () => {
    const h = harness({ get: { a: found(T), b: found(T), c: found(T, 5) } });
    const res = track(h.time, runGet(h, getReq()));
    await h.advance(0);
    expect(res.value).toEqual({ kind: 'notfound', context: join(T) });
    expect(h.caller.of('reap')).toEqual([]);
    await h.advance(5);
    const reaps = h.caller.of('reap');
    expect(reaps.map((c) => c.node)).toEqual(['a', 'b', 'c']);
    for (const r of reaps) {
      expect(r.req).toMatchObject({ op: 'reap', ns: 'data', key: KEY, partition: 5, graceMs: 3000 });
      if (r.req.op === 'reap') expect(equal(r.req.expected, T)).toBe(true);
    }
  });

  it('does not reap when a fallback is among the replicas that agreed', async () => {
    const h = harness({ get: { a: found(T), b: found(T), d: found(T) } });
    track(h.time, runGet(h, getReq({ targets: [primary('a'), primary('b'), fallback('d', 'c')] })));
    await h.advance(2000);
    expect(h.caller.of('reap')).toEqual([]);
  });

  it('with fewer targets than R answers unavailable at once and asks no one', async () => {
    const h = harness({});
    const res = track(h.time, runGet(h, getReq({ targets: [primary('a')], r: 2 })));
    await h.advance(0);
    expect(res.value).toMatchObject({ kind: 'unavailable', needed: 2, got: 0 });
    expect(h.caller.calls).toEqual([]);
  });
});
