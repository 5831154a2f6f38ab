import type { NodeId } from '../membership/member.js';
import type { ReplicaCaller } from '../replica/replica-client.js';
import type { KvResponse } from '../replica/replica-rpc.js';
import type { ReplicaTarget } from '../ring/placement.js';
import type { Clock } from '../runtime/clock.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { Namespace } from '../storage/storage.js';
import { type DvvSet, equal } from '../versioning/dvvset.js';
import type { VersionedValue } from '../versioning/versioned-value.js';
import { type CoordinatorMetrics, NOOP_COORDINATOR_METRICS } from './coordinator-metrics.js';
import { GetCore, type GetReplicaResult, type GetResponse, type RepairReason } from './get-core.js';

/**
 * The driver of a read (riak_kv_get_fsm): ask every target, feed replies to the pure GetCore, answer once it
 * has enough (or at the deadline), then, once every target replied or the deadline passed, run the core's
 * final action — read repair, or a tombstone reap. The states are explicit: `waiting` → `answered`
 * (client has its reply, stragglers still arriving) → `finished` (final action taken).
 *
 * Strict mode adds ABD's write-back before answering: the merged state must sit on at least N − R + 1
 * replicas, so every later read quorum meets it; replicas that did not hold it are sent it and must ack.
 */
export interface GetFsmComponents {
  readonly caller: ReplicaCaller;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly metrics?: CoordinatorMetrics;
}

export interface GetFsmRequest {
  readonly ns: Namespace;
  readonly key: Uint8Array;
  readonly partition: number;
  readonly targets: readonly ReplicaTarget[];
  /** The namespace's N: how many primaries the key has. */
  readonly n: number;
  /** Replies needed, in [1, n]. */
  readonly r: number;
  readonly timeoutMs: number;
  /** Wait for read repair of the replicas that replied before answering (`?repair=sync`). */
  readonly syncRepair: boolean;
  /** ABD write-back (strict mode): the answer is on ≥ N − R + 1 replicas before the client sees it. */
  readonly writeBack: boolean;
  /** Tombstones older than this on all N primaries are reaped after a read that saw them everywhere. */
  readonly tombstoneGraceMs: number;
}

export type GetFsmResult = GetResponse<NodeId>;

type State = 'waiting' | 'answered' | 'finished';

export function runGet(c: GetFsmComponents, req: GetFsmRequest): Promise<GetFsmResult> {
  const metrics = c.metrics ?? NOOP_COORDINATOR_METRICS;
  const { targets, r } = req;
  if (targets.length < r) {
    return Promise.resolve({
      kind: 'unavailable',
      needed: r,
      got: 0,
      errors: [{ replica: '' as NodeId, reason: `only ${targets.length} of ${req.n} replicas reachable` }],
    });
  }
  const byNode = new Map(targets.map((t) => [t.node, t]));
  const deadline = c.clock.now() + req.timeoutMs;
  const remaining = (): number => Math.max(1, deadline - c.clock.now());
  let core = GetCore.create<NodeId>({ n: targets.length, r });
  let state: State = 'waiting';
  let cancel = (): void => {};
  // What each replica was already sent (repair=sync, before the answer): the final action sends it again only
  // if later replies changed the merge.
  const repaired = new Map<NodeId, DvvSet<VersionedValue>>();

  const repair = async (
    replicas: readonly { replica: NodeId; reason: RepairReason }[],
    merged: DvvSet<VersionedValue>,
    timeoutMs: number,
  ): Promise<void> => {
    await Promise.all(
      replicas.map(async ({ replica, reason }) => {
        const t = byNode.get(replica);
        const sent = repaired.get(replica);
        if (t === undefined || (sent !== undefined && equal(sent, merged))) return;
        repaired.set(replica, merged);
        const res = await c.caller.call(t.node, mergeRequest(req, merged, t), timeoutMs);
        if (res.kind === 'found') metrics.readRepair(reason);
      }),
    );
  };

  const finish = (): void => {
    if (state === 'finished') return;
    state = 'finished';
    cancel();
    const action = core.finalAction();
    if (action.kind === 'read-repair') {
      // After the answer: the client's deadline no longer applies, the repair gets a full timeout of its own.
      void repair(action.replicas, action.merged, req.timeoutMs);
    } else if (action.kind === 'delete') {
      // Reap only when the N replicas that agreed are the N primaries themselves: a fallback's hint or an
      // absent primary could still hold an older value the tombstone must keep covering.
      const allPrimaries = action.replicas.length === req.n && targets.every((t) => t.hintFor === undefined);
      if (allPrimaries) {
        const merged = core.merged();
        if (merged !== undefined) {
          for (const t of targets) {
            void c.caller.call(
              t.node,
              {
                op: 'reap',
                ns: req.ns,
                key: req.key,
                partition: req.partition,
                expected: merged,
                graceMs: req.tombstoneGraceMs,
              },
              req.timeoutMs,
            );
          }
        }
      }
    }
  };

  return new Promise<GetFsmResult>((resolve) => {
    const answer = async (): Promise<void> => {
      if (state !== 'waiting') return;
      state = 'answered';
      let response = core.response();
      const merged = core.merged();
      if (response.kind !== 'unavailable' && merged !== undefined) {
        if (req.writeBack) {
          response = await writeBack(c, req, core, merged, remaining, response);
        } else if (req.syncRepair) {
          const action = core.finalAction();
          if (action.kind === 'read-repair') await repair(action.replicas, action.merged, remaining());
        }
      }
      resolve(response);
      if (core.hasAllResults()) finish();
    };
    cancel = c.scheduler.after(req.timeoutMs, () => {
      void answer().then(finish);
    });
    for (const t of targets) {
      void c.caller
        .call(
          t.node,
          { op: 'get', ns: req.ns, key: req.key, partition: req.partition, ...hintOf(t) },
          req.timeoutMs,
        )
        .then((res) => {
          if (state === 'finished') return;
          core = core.addResult(t.node, toGetResult(res));
          if (state === 'waiting' && core.enough()) void answer();
          else if (state === 'answered' && core.hasAllResults()) finish();
        });
    }
  });
}

/**
 * ABD's second phase on a read: make sure `merged` is held by at least N − R + 1 replicas (then any later
 * R replies include one holding it) before answering. Replies that already equal it count; the others and
 * the targets that have not replied are sent it. Fails (503) if too few acknowledge by the deadline.
 */
async function writeBack(
  c: GetFsmComponents,
  req: GetFsmRequest,
  core: GetCore<NodeId>,
  merged: DvvSet<VersionedValue>,
  remaining: () => number,
  response: GetFsmResult,
): Promise<GetFsmResult> {
  const needed = req.n - req.r + 1;
  const holders = new Set(
    core.replies.flatMap((x) =>
      x.result.kind === 'found' && equal(x.result.set, merged) ? [x.replica] : [],
    ),
  );
  if (holders.size >= needed) return response;
  const others = req.targets.filter((t) => !holders.has(t.node));
  return new Promise<GetFsmResult>((resolve) => {
    let settled = false;
    let pending = others.length;
    const done = (): void => {
      if (settled) return;
      if (holders.size >= needed) {
        settled = true;
        resolve(response);
      } else if (pending === 0) {
        settled = true;
        resolve({
          kind: 'unavailable',
          needed,
          got: holders.size,
          errors: [{ replica: '' as NodeId, reason: 'write-back did not reach enough replicas' }],
        });
      }
    };
    for (const t of others) {
      void c.caller.call(t.node, mergeRequest(req, merged, t), remaining()).then((res) => {
        pending--;
        if (res.kind === 'found') holders.add(t.node);
        done();
      });
    }
    done();
  });
}

function mergeRequest(req: GetFsmRequest, set: DvvSet<VersionedValue>, t: ReplicaTarget) {
  return { op: 'merge' as const, ns: req.ns, key: req.key, partition: req.partition, set, ...hintOf(t) };
}

function hintOf(t: ReplicaTarget): { hintFor?: string } {
  return t.hintFor === undefined ? {} : { hintFor: t.hintFor };
}

function toGetResult(res: KvResponse): GetReplicaResult {
  switch (res.kind) {
    case 'found':
      return { kind: 'found', set: res.set };
    case 'notfound':
      return { kind: 'notfound' };
    case 'failure':
      return { kind: 'error', reason: `${res.failure}: ${res.message}` };
  }
}
