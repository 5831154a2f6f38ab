/**
 * The get and put FSM drivers' test harness: a scripted replica caller in virtual time (each replica's answer
 * to each request planned by the test: at once, after a virtual delay, or never), and DVV fixtures shared by
 * get-fsm.test.ts and put-fsm.test.ts.
 */
import {
  type CoordinatorMetrics,
  NOOP_COORDINATOR_METRICS,
} from '../../../src/coordinator/coordinator-metrics.js';
import type { NodeId } from '../../../src/membership/member.js';
import type { ReplicaCaller } from '../../../src/replica/replica-client.js';
import type { KvFailureKind, KvRequest, KvResponse } from '../../../src/replica/replica-rpc.js';
import type { ReplicaTarget } from '../../../src/ring/placement.js';
import { seededRandom } from '../../../src/runtime/random.js';
import { VirtualClock, VirtualScheduler, VirtualTime } from '../../../src/runtime/virtual.js';
import { type DvvSet, join, newSet, newWithContext, update, values } from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { bytesValue, TOMBSTONE, type VersionedValue } from '../../../src/versioning/versioned-value.js';

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

export const found = (set: VSet, afterMs?: number): Step => ({ reply: { kind: 'found', set }, afterMs });
export const notfound = (afterMs?: number): Step => ({ reply: { kind: 'notfound' }, afterMs });
export const failure = (kind: KvFailureKind, afterMs?: number): Step => ({
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

export function harness(plan: Plan) {
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

export function track<T>(time: VirtualTime, p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { done: false, value: undefined, atMs: -1 };
  void p.then((v) => {
    t.done = true;
    t.value = v;
    t.atMs = time.now();
  });
  return t;
}

// ---- Fixtures ---------------------------------------------------------------------------------------------

export const enc = (s: string): VersionedValue => bytesValue(new TextEncoder().encode(s));
const label = (v: VersionedValue): string =>
  v.kind === 'tombstone' ? '∅' : new TextDecoder().decode(v.bytes);
export const siblings = (set: VSet): string[] => values(set).map(label).sort();

const ra = replicaId('a');
export const rb = replicaId('b');
/** {a:1 [x1]} */
export const X1 = update(newSet(enc('x1')), undefined, ra);
/** {a:2 [x2]}: a write over X1. */
export const X2 = update(newWithContext(join(X1), enc('x2')), X1, ra);
/** {a:1 []}{b:1 [z]}: a write over X1 at b, concurrent with X2. */
export const Z = update(newWithContext(join(X1), enc('z')), undefined, rb);
/** {a:3 [tombstone]}: a delete over X2. */
export const T = update(newWithContext(join(X2), TOMBSTONE), X2, ra);

export const id = (s: string): NodeId => s as NodeId;
export const primary = (s: string): ReplicaTarget => ({ node: id(s) });
export const fallback = (s: string, forNode: string): ReplicaTarget => ({
  node: id(s),
  hintFor: id(forNode),
});
export const ABC = [primary('a'), primary('b'), primary('c')];
export const KEY = new TextEncoder().encode('k1');

export function recordingMetrics(): CoordinatorMetrics & { repairs: string[] } {
  const repairs: string[] = [];
  return { ...NOOP_COORDINATOR_METRICS, repairs, readRepair: (reason) => repairs.push(reason) };
}

export function mergedSet(call: Call | undefined): VSet {
  if (call === undefined || call.req.op !== 'merge') throw new Error('expected a merge call');
  return call.req.set;
}
