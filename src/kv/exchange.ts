import { HASH_BYTES } from '../antientropy/merkle-hash.js';
import { compareLevel, type LevelRequest, rootRequest } from '../antientropy/tree-diff.js';
import type { NodeId } from '../membership/member.js';
import { keyHex } from '../replica/key-lock.js';
import type { Replica } from '../replica/replica.js';
import type { Clock } from '../runtime/clock.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import type { Namespace } from '../storage/storage.js';
import { equal } from '../versioning/dvvset.js';
import type { PartitionTrees } from './partition-trees.js';
import type { ReplicaCaller } from './replica-client.js';
import { encodeKvRequest, encodeKvResponse, type KvRequest, type KvResponse } from './replica-rpc.js';

export interface ExchangeComponents {
  readonly caller: ReplicaCaller;
  readonly replica: Replica;
  readonly trees: PartitionTrees;
  readonly clock: Clock;
  /** One token per repaired key (pulled or pushed): the ceiling on repair traffic. */
  readonly limiter?: { take(): Promise<void> };
  /** A pulled key this replica could not store is logged here at warn. */
  readonly logger?: Logger;
}

export interface ExchangeRequest {
  readonly ns: Namespace;
  readonly partition: number;
  readonly peer: NodeId;
  readonly timeoutMs: number;
  /** Most keys repaired (both directions together) in one exchange; the rest wait for the next one. */
  readonly maxKeys: number;
}

export type ExchangeResult =
  | {
      readonly ok: true;
      /** Merkle segments that differed. */
      readonly segments: number;
      /** Keys whose peer copy changed ours (pull) / whose copy we sent the peer (push). */
      readonly pulled: number;
      readonly pushed: number;
      /** Request and response bytes of the exchange (tree walk, entries, pushes). */
      readonly bytes: number;
      readonly roundTrips: number;
      readonly durationMs: number;
    }
  | { readonly ok: false; readonly error: string; readonly bytes: number; readonly durationMs: number };

/**
 * One Merkle exchange of one partition with one other owner (DESIGN.md §10, Riak's AAE exchange): walk both
 * trees top down, one level per round trip, asking the peer only for the children of nodes whose hashes
 * differ; fetch the peer's entries of the differing segments and merge them here (pull); send ours of those
 * segments that the peer lacks or holds differently (push). DVV merges are idempotent and commutative, so
 * both sides end with the same sets for those keys whatever else happens meanwhile. Bytes grow with the
 * number of differences, not with the number of keys.
 */
export async function runExchange(c: ExchangeComponents, req: ExchangeRequest): Promise<ExchangeResult> {
  const t0 = c.clock.now();
  const { ns, partition, peer } = req;
  let bytes = 0;
  let roundTrips = 0;
  const call = async (body: KvRequest): Promise<KvResponse> => {
    roundTrips++;
    const res = await c.caller.call(peer, body, req.timeoutMs);
    bytes += encodeKvRequest(body).length + encodeKvResponse(res).length;
    return res;
  };
  const failed = (error: string): ExchangeResult => ({
    ok: false,
    error,
    bytes,
    durationMs: c.clock.now() - t0,
  });

  const tree = await c.trees.tree(ns, partition);
  let request: LevelRequest = rootRequest();
  let segments: readonly number[] = [];
  for (;;) {
    const res = await call({ op: 'tree-level', ns, key: PLACEHOLDER_KEY, partition, ...request });
    if (res.kind !== 'hashes') return failed(describe(res));
    if (res.hashes.length !== request.indexes.length * HASH_BYTES)
      return failed('peer sent the wrong number of hashes');
    const theirs = request.indexes.map((_, i) => res.hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
    const step = compareLevel(tree.shape, request, tree.hashesAt(request.level, request.indexes), theirs);
    if (step.kind === 'done') {
      segments = step.segments;
      break;
    }
    request = step.next;
  }
  if (segments.length === 0) {
    return { ok: true, segments: 0, pulled: 0, pushed: 0, bytes, roundTrips, durationMs: c.clock.now() - t0 };
  }

  const res = await call({ op: 'segment-entries', ns, key: PLACEHOLDER_KEY, partition, segments });
  if (res.kind !== 'entries') return failed(describe(res));
  const theirs = new Map(res.entries.map((e) => [keyHex(e.key), e.set]));
  let pulled = 0;
  let pushed = 0;
  const now = Math.floor(c.clock.wallMs());
  for (const e of res.entries) {
    if (pulled + pushed >= req.maxKeys) break;
    await c.limiter?.take();
    const r = await c.replica.merge(ns, e.key, partition, e.set, now);
    if (r.ok && r.value.changed) pulled++;
    else if (!r.ok && r.error.kind !== 'namespace-limit')
      (c.logger ?? SILENT_LOGGER).warn(
        { err: r.error, ns, partition, peer },
        'cannot store a key pulled by anti-entropy',
      );
  }
  const wanted = new Set(segments);
  for await (const e of c.replica.iteratePartition(ns, partition)) {
    if (pulled + pushed >= req.maxKeys) break;
    if (!e.ok || !wanted.has(tree.segmentOf(e.key))) continue;
    const peerSet = theirs.get(keyHex(e.key));
    if (peerSet !== undefined && equal(peerSet, e.set)) continue;
    await c.limiter?.take();
    const r = await call({ op: 'merge', ns, key: e.key, partition, set: e.set });
    if (r.kind !== 'found') return failed(describe(r));
    pushed++;
  }
  return {
    ok: true,
    segments: segments.length,
    pulled,
    pushed,
    bytes,
    roundTrips,
    durationMs: c.clock.now() - t0,
  };
}

/** Tree requests concern a whole partition; the request format still carries a key (unused, non-empty). */
const PLACEHOLDER_KEY = Uint8Array.of(0);

function describe(res: KvResponse): string {
  return res.kind === 'failure' ? `${res.failure}: ${res.message}` : `unexpected ${res.kind} reply`;
}
