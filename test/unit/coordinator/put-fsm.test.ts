import { describe, expect, it } from 'vitest';
import { type PutFsmRequest, runPut } from '../../../src/coordinator/put-fsm.js';
import { join, newWithContext, update, values } from '../../../src/versioning/dvvset.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { TOMBSTONE, versionedValueEquals } from '../../../src/versioning/versioned-value.js';
import {
  ABC,
  enc,
  failure,
  fallback,
  found,
  harness,
  id,
  KEY,
  mergedSet,
  notfound,
  primary,
  rb,
  track,
  X1,
  X2,
} from './fsm-harness.js';

function putReq(over: Partial<PutFsmRequest> = {}): PutFsmRequest {
  return {
    ns: 'data',
    key: KEY,
    partition: 5,
    targets: ABC,
    self: id('b'),
    n: 3,
    w: 2,
    context: EMPTY_VV,
    value: enc('new'),
    timeoutMs: 1000,
    ...over,
  };
}

// ---- runPut -----------------------------------------------------------------------------------------------

describe('runPut', () => {
  it('coordinates at self when self is a primary target, then merges the set to the others', async () => {
    const h = harness({ merge: { c: 'never' } });
    const context = join(X1);
    const res = track(h.time, runPut(h, putReq({ self: id('b'), context })));
    await h.advance(0);
    const coord = h.caller.of('coordinate');
    expect(coord.map((c) => [c.node, c.timeoutMs])).toEqual([['b', 1000]]);
    expect(coord[0]!.req).toEqual({
      op: 'coordinate',
      ns: 'data',
      key: KEY,
      partition: 5,
      context,
      value: enc('new'),
    });
    const minted = update(newWithContext(context, enc('new')), undefined, rb);
    const merges = h.caller.of('merge');
    expect(merges.map((c) => c.node)).toEqual(['a', 'c']);
    for (const m of merges) expect(mergedSet(m)).toEqual(minted);
    // W = 2: b (the coordinator) and a acked.
    expect(res.value).toMatchObject({ kind: 'ok', set: minted, acked: ['b', 'a'] });
  });

  it('coordinates at the first primary when self is not a primary target', async () => {
    for (const self of ['z', 'd']) {
      const h = harness({});
      const targets = [fallback('d', 'a'), primary('b'), primary('c')];
      const res = track(h.time, runPut(h, putReq({ self: id(self), targets })));
      await h.advance(0);
      expect(h.caller.of('coordinate').map((c) => c.node)).toEqual(['b']);
      expect(res.value?.kind).toBe('ok');
    }
  });

  it('sends a fallback its merge with the hint for the primary it stands in for', async () => {
    const h = harness({});
    const targets = [primary('a'), fallback('d', 'b'), primary('c')];
    track(h.time, runPut(h, putReq({ self: id('a'), targets, w: 3 })));
    await h.advance(0);
    const merges = h.caller.of('merge');
    expect(merges.map((c) => [c.node, c.req.op === 'merge' ? (c.req.hintFor ?? null) : 'x'])).toEqual([
      ['d', 'b'],
      ['c', null],
    ]);
  });

  it('answers ok at the W-th ack, not before', async () => {
    const h = harness({ merge: { a: found(X2, 10), c: found(X2, 30) } });
    const res = track(h.time, runPut(h, putReq({ w: 3 })));
    await h.advance(10);
    expect(res.done).toBe(false);
    await h.advance(19);
    expect(res.done).toBe(false);
    await h.advance(1);
    expect(res.done).toBe(true);
    expect(res.atMs).toBe(30);
    expect(res.value).toMatchObject({ kind: 'ok', acked: ['b', 'a', 'c'] });
  });

  it('with W = 1 answers on the coordinator alone', async () => {
    const h = harness({ merge: { a: 'never', c: 'never' } });
    const res = track(h.time, runPut(h, putReq({ w: 1 })));
    await h.advance(0);
    expect(res.value).toMatchObject({ kind: 'ok', acked: ['b'] });
    expect(h.caller.of('merge').length).toBe(2);
  });

  it('a coordinator failure of kind unavailable may have applied the write', async () => {
    const h = harness({ coordinate: { b: failure('unavailable', 40) } });
    const res = track(h.time, runPut(h, putReq()));
    await h.advance(40);
    expect(res.value).toEqual({
      kind: 'unavailable',
      needed: 2,
      got: 0,
      errors: [{ replica: 'b', reason: 'unavailable: unavailable!' }],
      mayHaveApplied: true,
    });
    expect(h.caller.of('merge')).toEqual([]);
  });

  it('a coordinator failure of kind storage (or any refusal) did not apply it', async () => {
    for (const kind of ['storage', 'corrupt', 'full', 'bad_request'] as const) {
      const h = harness({ coordinate: { b: failure(kind) } });
      const res = track(h.time, runPut(h, putReq()));
      await h.advance(0);
      expect(res.value).toMatchObject({ kind: 'unavailable', got: 0, mayHaveApplied: false });
      expect(h.caller.of('merge')).toEqual([]);
    }
    const h = harness({ coordinate: { b: notfound() } });
    const res = track(h.time, runPut(h, putReq()));
    await h.advance(0);
    expect(res.value).toMatchObject({
      kind: 'unavailable',
      errors: [{ replica: 'b', reason: 'no set' }],
      mayHaveApplied: false,
    });
  });

  it('with fewer targets than W answers at once, sends nothing, and did not apply', async () => {
    const h = harness({});
    const res = track(h.time, runPut(h, putReq({ targets: [primary('a')], w: 2 })));
    await h.advance(0);
    expect(res.value).toMatchObject({ kind: 'unavailable', needed: 2, got: 0, mayHaveApplied: false });
    expect(h.caller.calls).toEqual([]);
  });

  it('with only fallbacks (no primary to coordinate) answers at once and sends nothing', async () => {
    const h = harness({});
    const targets = [fallback('d', 'a'), fallback('e', 'b')];
    const res = track(h.time, runPut(h, putReq({ targets, w: 1 })));
    await h.advance(0);
    expect(res.value).toMatchObject({ kind: 'unavailable', needed: 1, mayHaveApplied: false });
    expect(h.caller.calls).toEqual([]);
  });

  it('answers unavailable at the overall deadline when acks are missing, the write possibly applied', async () => {
    const h = harness({ coordinate: { b: found(X2, 200) }, merge: { a: 'never', c: 'never' } });
    const res = track(h.time, runPut(h, putReq({ w: 2 })));
    await h.advance(200);
    // Merges get what is left of the request's time.
    expect(h.caller.of('merge').map((c) => [c.node, c.timeoutMs])).toEqual([
      ['a', 800],
      ['c', 800],
    ]);
    await h.advance(799);
    expect(res.done).toBe(false);
    await h.advance(1);
    expect(res.done).toBe(true);
    expect(res.atMs).toBe(1000);
    expect(res.value).toEqual({ kind: 'unavailable', needed: 2, got: 1, errors: [], mayHaveApplied: true });
  });

  it('answers unavailable as soon as a failed merge puts W out of reach', async () => {
    const h = harness({ merge: { a: failure('full', 5), c: 'never' } });
    const res = track(h.time, runPut(h, putReq({ w: 3 })));
    await h.advance(5);
    expect(res.done).toBe(true);
    expect(res.value).toEqual({
      kind: 'unavailable',
      needed: 3,
      got: 1,
      errors: [{ replica: 'a', reason: 'full: full!' }],
      mayHaveApplied: true,
    });
  });

  it('a delete coordinates a tombstone like any value', async () => {
    const h = harness({});
    const res = track(h.time, runPut(h, putReq({ value: TOMBSTONE, context: join(X2) })));
    await h.advance(0);
    expect(h.caller.of('coordinate')[0]!.req).toMatchObject({ value: TOMBSTONE, context: join(X2) });
    expect(res.value?.kind).toBe('ok');
    if (res.value?.kind === 'ok') {
      expect(values(res.value.set).every((v) => versionedValueEquals(v, TOMBSTONE))).toBe(true);
    }
  });
});
