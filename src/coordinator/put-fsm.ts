import type { NodeId } from '../membership/member.js';
import type { ReplicaCaller } from '../replica/replica-client.js';
import type { ReplicaTarget } from '../ring/placement.js';
import type { Clock } from '../runtime/clock.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { Namespace } from '../storage/storage.js';
import type { DvvSet } from '../versioning/dvvset.js';
import type { VersionVector } from '../versioning/version-vector.js';
import type { VersionedValue } from '../versioning/versioned-value.js';
import { PutCore, type PutResponse } from './put-core.js';

/**
 * The driver of a write (riak_kv_put_fsm): one replica coordinates — it mints the write's dot over the
 * client's context and stores it — then the resulting set goes to every other target (a merge; a hint on a
 * fallback), and the client is answered once W replicas, the coordinator included, acknowledged, or when W
 * became impossible, or at the deadline. States: `coordinating` → `replicating` → `answered`.
 *
 * The coordinator is this node when it is an up primary (no extra hop), else the first up primary; a
 * fallback never coordinates, so dots are only minted by owners and the clock stays N entries wide.
 */
export interface PutFsmComponents {
  readonly caller: ReplicaCaller;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
}

export interface PutFsmRequest {
  readonly ns: Namespace;
  readonly key: Uint8Array;
  readonly partition: number;
  readonly targets: readonly ReplicaTarget[];
  /** The node running the request: it coordinates when it is a target primary. */
  readonly self: NodeId;
  readonly n: number;
  /** Acks needed, in [1, n]. */
  readonly w: number;
  readonly context: VersionVector;
  /** A value, or the tombstone for a delete. */
  readonly value: VersionedValue;
  readonly timeoutMs: number;
  /** LWW namespaces: the write supersedes everything the coordinating replica holds. */
  readonly supersedeLocal?: boolean;
}

export type PutFsmResult =
  | {
      readonly kind: 'ok';
      readonly set: DvvSet<VersionedValue>;
      /** Targets that had acknowledged when the client was answered. */
      readonly acked: readonly NodeId[];
      /**
       * Resolves once every target answered or timed out, with all that acknowledged: the ones missing from
       * it really missed the write (a data rumor goes to them), not merely answered after the quorum.
       */
      readonly settled: Promise<readonly NodeId[]>;
    }
  | (Extract<PutResponse<NodeId>, { kind: 'unavailable' }> & {
      /**
       * False when no replica can have stored the write (nothing sent, or the coordinator refused it), so a
       * client may treat the write as not done; true when it may sit on some replicas and spread later.
       */
      readonly mayHaveApplied: boolean;
    });

export async function runPut(c: PutFsmComponents, req: PutFsmRequest): Promise<PutFsmResult> {
  const { targets, w } = req;
  const primaries = targets.filter((t) => t.hintFor === undefined);
  const coordinator = primaries.find((t) => t.node === req.self) ?? primaries[0];
  if (targets.length < w || coordinator === undefined) {
    return {
      kind: 'unavailable',
      needed: w,
      got: 0,
      errors: [{ replica: '' as NodeId, reason: `only ${primaries.length} of ${req.n} primaries reachable` }],
      mayHaveApplied: false,
    };
  }
  const deadline = c.clock.now() + req.timeoutMs;
  const remaining = (): number => Math.max(1, deadline - c.clock.now());
  const coordinated = await c.caller.call(
    coordinator.node,
    {
      op: 'coordinate',
      ns: req.ns,
      key: req.key,
      partition: req.partition,
      context: req.context,
      value: req.value,
      ...(req.supersedeLocal === true ? { supersedeLocal: true } : {}),
    },
    req.timeoutMs,
  );
  if (coordinated.kind !== 'found') {
    const reason =
      coordinated.kind === 'failure' ? `${coordinated.failure}: ${coordinated.message}` : 'no set';
    // A replica that answered with a failure stored nothing; a timeout or a lost connection may hide a write.
    const mayHaveApplied = coordinated.kind === 'failure' && coordinated.failure === 'unavailable';
    return {
      kind: 'unavailable',
      needed: w,
      got: 0,
      errors: [{ replica: coordinator.node, reason }],
      mayHaveApplied,
    };
  }
  const set = coordinated.set;
  let core = PutCore.create<NodeId>({ n: targets.length, w }).addResult(coordinator.node, { kind: 'ok' });
  const others = targets.filter((t) => t !== coordinator);
  const allAcked: NodeId[] = [coordinator.node];
  const calls: Promise<unknown>[] = [];
  let settled: Promise<readonly NodeId[]> | undefined;
  return new Promise<PutFsmResult>((resolve) => {
    let answered = false;
    const answer = (): void => {
      if (answered) return;
      answered = true;
      cancel();
      const response = core.response();
      settled ??= Promise.all(calls).then(() => allAcked);
      resolve(
        response.kind === 'ok'
          ? { kind: 'ok', set, acked: core.acked, settled }
          : { ...response, mayHaveApplied: true },
      );
    };
    const cancel = c.scheduler.after(remaining(), answer);
    for (const t of others) {
      const call = c.caller
        .call(
          t.node,
          {
            op: 'merge',
            ns: req.ns,
            key: req.key,
            partition: req.partition,
            set,
            ...(t.hintFor === undefined ? {} : { hintFor: t.hintFor }),
          },
          remaining(),
        )
        .then((res) => {
          if (res.kind !== 'failure') allAcked.push(t.node);
          if (answered) return;
          const reason = res.kind === 'failure' ? `${res.failure}: ${res.message}` : undefined;
          core = core.addResult(t.node, reason === undefined ? { kind: 'ok' } : { kind: 'error', reason });
          if (core.enough()) answer();
        });
      calls.push(call);
    }
    if (core.enough()) answer();
  });
}
