import type { NodeId } from '../membership/member.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { AaeCaller } from './aae-client.js';
import type { AaeRequest, AaeResponse } from './aae-rpc.js';
import { HASH_BYTES } from './merkle-hash.js';
import type { PartitionScanner, PartitionTrees } from './partition-trees.js';
import { compareLevel, type LevelRequest, rootRequest } from './tree-diff.js';

/** A namespace name (structural: this layer imports nothing above it). */
type Namespace = string;

/** What an exchange needs of this node's replica: scans, and merging a peer's set (pull). */
export interface ExchangeLocal extends PartitionScanner {
  /** Merges the peer's set bytes of `key`; resolves whether that changed anything here (false on failure). */
  merge(
    ns: Namespace,
    key: Uint8Array,
    partition: number,
    setBytes: Uint8Array,
    nowMs: number,
  ): Promise<boolean>;
}

/** Sends our set of a key to the peer's replica (a merge on the replica service). */
export type ExchangePush = (
  peer: NodeId,
  ns: Namespace,
  key: Uint8Array,
  partition: number,
  setBytes: Uint8Array,
  timeoutMs: number,
) => Promise<
  | { readonly ok: true; readonly bytes: number }
  | { readonly ok: false; readonly error: string; readonly bytes: number }
>;

export interface ExchangeComponents {
  readonly aae: AaeCaller;
  readonly push: ExchangePush;
  readonly local: ExchangeLocal;
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
  const call = async (body: AaeRequest): Promise<AaeResponse> => {
    roundTrips++;
    const r = await c.aae.call(peer, body, req.timeoutMs);
    bytes += r.bytes;
    return r.res;
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
    const res = await call({ op: 'tree-level', ns, partition, ...request });
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

  const res = await call({ op: 'segment-entries', ns, partition, segments });
  if (res.kind !== 'entries') return failed(describe(res));
  const theirs = new Map(res.entries.map((e) => [hex(e.key), e.setBytes]));
  let pulled = 0;
  let pushed = 0;
  const now = Math.floor(c.clock.wallMs());
  for (const e of res.entries) {
    if (pulled + pushed >= req.maxKeys) break;
    await c.limiter?.take();
    if (await c.local.merge(ns, e.key, partition, e.setBytes, now)) pulled++;
  }
  const wanted = new Set(segments);
  for await (const e of c.local.iteratePartition(ns, partition)) {
    if (pulled + pushed >= req.maxKeys) break;
    if (!e.ok || !wanted.has(tree.segmentOf(e.key))) continue;
    // Set encodings are canonical: equal bytes are equal sets.
    const peerBytes = theirs.get(hex(e.key));
    if (peerBytes !== undefined && bytesEqual(peerBytes, e.setBytes)) continue;
    await c.limiter?.take();
    roundTrips++;
    const r = await c.push(peer, ns, e.key, partition, e.setBytes, req.timeoutMs);
    bytes += r.bytes;
    if (!r.ok) return failed(r.error);
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

function describe(res: AaeResponse): string {
  return res.kind === 'failure' ? `${res.failure}: ${res.message}` : `unexpected ${res.kind} reply`;
}

function hex(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
