import { describe, expect, it } from 'vitest';
import {
  type CoordinatorMetrics,
  NOOP_COORDINATOR_METRICS,
} from '../../../src/coordinator/coordinator-metrics.js';
import { type GetFsmRequest, runGet } from '../../../src/coordinator/get-fsm.js';
import { type PutFsmRequest, runPut } from '../../../src/coordinator/put-fsm.js';
import type { ReplicaTarget } from '../../../src/kv/placement.js';
import type { ReplicaCaller } from '../../../src/kv/replica-client.js';
import type { KvFailureKind, KvRequest, KvResponse } from '../../../src/kv/replica-rpc.js';
import type { NodeId } from '../../../src/membership/member.js';
import { seededRandom } from '../../../src/runtime/random.js';
import { VirtualClock, VirtualScheduler, VirtualTime } from '../../../src/runtime/virtual.js';
import {
  type DvvSet,
  equal,
  join,
  newSet,
  newWithContext,
  sync,
  update,
  values,
} from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import {
  bytesValue,
  TOMBSTONE,
  type VersionedValue,
  versionedValueEquals,
} from '../../../src/versioning/versioned-value.js';

type VSet = DvvSet<VersionedValue>;

// ---- A scripted replica caller in virtual time -------------------------------------------------------------

/** What one replica does with one request: answer (at once or after a virtual delay), or never answer. */
type Step = { readonly reply: KvResponse; readonly afterMs?: number } | 'never';
type Op = KvRequest['op'];
type Plan = Partial<Record<Op, Partial<Record<string, Step>>>>;

interface Call {
  readonly node: NodeId;
  readonly req: KvRequest;
  readonly timeoutMs: number;
  readonly atMs: number;
}

const found = (set: VSet, afterMs?: number): Step => ({ reply: { kind: 'found', set }, afterMs });
const notfound = (afterMs?: number): Step => ({ reply: { kind: 'notfound' }, afterMs });
const failure = (kind: KvFailureKind, afterMs?: number): Step => ({
  reply: { kind: 'failure', failure: kind, message: `${kind}!` },
  afterMs,
});

/** Unscripted: gets never answer; merges ack with the set; coordinate mints a dot at the node; reaps notfound. */
function defaultStep(node: NodeId, req: KvRequest): Step {
  switch (req.op) {
    case 'get':
      return 'never';
    case 'merge':
      return found(req.set);
    case 'coordinate':
      return found(update(newWithContext(req.context, req.value), undefined, replicaId(node)));
    case 'reap':
      return notfound();
    case 'tree-level':
    case 'segment-entries':
    case 'rumor':
      return 'never';
  }
}

class ScriptedCaller implements ReplicaCaller {
  readonly calls: Call[] = [];

  constructor(
    private readonly time: VirtualTime,
    private readonly plan: Plan,
  ) {}

  call(node: NodeId, req: KvRequest, timeoutMs: number): Promise<KvResponse> {
    this.calls.push({ node, req, timeoutMs, atMs: this.time.now() });
    const step = this.plan[req.op]?.[node] ?? defaultStep(node, req);
    if (step === 'never') return new Promise<KvResponse>(() => {});
    const { reply, afterMs } = step;
    if (afterMs === undefined) return Promise.resolve(reply);
    return new Promise<KvResponse>((resolve) => {
      this.time.at(this.time.now() + afterMs, () => resolve(reply));
    });
  }

  of(op: Op): Call[] {
    return this.calls.filter((c) => c.req.op === op);
  }

  to(op: Op, node: string): Call[] {
    return this.of(op).filter((c) => c.node === node);
  }
}

/** One macrotask turn: every promise continuation queued so far runs. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function harness(plan: Plan) {
  const time = new VirtualTime();
  const clock = new VirtualClock(time);
  const scheduler = new VirtualScheduler(time, seededRandom(1), clock);
  const caller = new ScriptedCaller(time, plan);
  /**
   * Advance virtual time by `ms`, one event at a time, letting promise continuations run after each (as
   * SimNetwork.run does). A sentinel event marks the deadline; events landing exactly on it run too.
   */
  const advance = async (ms: number): Promise<void> => {
    const deadline = time.now() + ms;
    await turn();
    for (;;) {
      let reached = false;
      time.at(deadline, () => {
        reached = true;
      });
      let ran = 0;
      for (;;) {
        time.step();
        if (reached) break;
        ran++;
        await turn();
      }
      await turn();
      if (ran === 0) return;
    }
  };
  return { time, clock, scheduler, caller, advance };
}

interface Tracked<T> {
  done: boolean;
  value: T | undefined;
  atMs: number;
}

function track<T>(time: VirtualTime, p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { done: false, value: undefined, atMs: -1 };
  void p.then((v) => {
    t.done = true;
    t.value = v;
    t.atMs = time.now();
  });
  return t;
}

// ---- Fixtures ---------------------------------------------------------------------------------------------

const enc = (s: string): VersionedValue => bytesValue(new TextEncoder().encode(s));
const label = (v: VersionedValue): string =>
  v.kind === 'tombstone' ? '∅' : new TextDecoder().decode(v.bytes);
const siblings = (set: VSet): string[] => values(set).map(label).sort();

const ra = replicaId('a');
const rb = replicaId('b');
/** {a:1 [x1]} */
const X1 = update(newSet(enc('x1')), undefined, ra);
/** {a:2 [x2]}: a write over X1. */
const X2 = update(newWithContext(join(X1), enc('x2')), X1, ra);
/** {a:1 []}{b:1 [z]}: a write over X1 at b, concurrent with X2. */
const Z = update(newWithContext(join(X1), enc('z')), undefined, rb);
/** {a:3 [tombstone]}: a delete over X2. */
const T = update(newWithContext(join(X2), TOMBSTONE), X2, ra);

const id = (s: string): NodeId => s as NodeId;
const primary = (s: string): ReplicaTarget => ({ node: id(s) });
const fallback = (s: string, forNode: string): ReplicaTarget => ({ node: id(s), hintFor: id(forNode) });
const ABC = [primary('a'), primary('b'), primary('c')];
const KEY = new TextEncoder().encode('k1');

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

function recordingMetrics(): CoordinatorMetrics & { repairs: string[] } {
  const repairs: string[] = [];
  return { ...NOOP_COORDINATOR_METRICS, repairs, readRepair: (reason) => repairs.push(reason) };
}

function mergedSet(call: Call | undefined): VSet {
  if (call === undefined || call.req.op !== 'merge') throw new Error('expected a merge call');
  return call.req.set;
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
