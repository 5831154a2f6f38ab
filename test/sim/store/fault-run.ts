/**
 * One seeded fault run of a simulated store cluster (DESIGN.md §12: a safety phase with faults on, then a
 * liveness phase with faults healed). Three workloads share the cluster and its faults:
 *
 * - `sets` (default, sloppy quorums): clients add unique elements to a few keys by read → union of the
 *   siblings + element → write with the read's context. Nothing a client was acknowledged may disappear:
 *   with union merges an acknowledged element is never legitimately superseded, so after healing and one
 *   read with R = N it must be there ("no acknowledged write lost"), and the N replicas must hold identical
 *   DVV sets ("replicas converge").
 * - `reg` (default, sloppy): register clients that read, then write over the read's context. A read that
 *   returns only values some write had superseded before the read began, or nothing after a write was
 *   acknowledged, is a stale read; W + R > N does not prevent them under sloppy quorums (docs/consistency.md).
 * - `lin` (strict mode): register clients whose history must be linearizable (src/sim/check).
 * - `hot` (strict mode, one key): many clients with almost no think time on a single key, mixing reads, blind
 *   writes, writes with the context of their last read and deletes, so writes overlap and reads race each
 *   other — the load that broke the "greatest dot" rule (issue #11). Its history is checked the same way. One
 *   seed in four runs it (and everything else) with no faults at all, since that alone exposed the bug.
 *
 * Everything derives from the seed; the report carries a trace hash so a replay can be checked to be exact.
 */
import type { KvDeleteResult, KvGetResult, KvStore } from '../../../src/node/kv-store.js';
import { type Random, seededRandom } from '../../../src/runtime/random.js';
import {
  checkOperations,
  completed,
  explainResult,
  type KvInput,
  type KvOutput,
  kvModel,
  type Operation,
  pending,
} from '../../../src/sim/check/index.js';
import { equal } from '../../../src/versioning/dvvset.js';
import { EMPTY_VV, type VersionVector } from '../../../src/versioning/version-vector.js';
import { KvSimCluster } from './kv-cluster.js';

export interface FaultRunOptions {
  readonly nodes?: number;
  /** Virtual ms of the safety phase (faults and client traffic). */
  readonly faultMs?: number;
  readonly keys?: number;
  /** Clients per workload. */
  readonly clients?: number;
  /** Clients of the `hot` workload, all on one key. */
  readonly hotClients?: number;
  /** Virtual ms the `hot` workload runs, at a seed-drawn offset inside the safety phase. */
  readonly hotMs?: number;
  /** `drawn` (default): one seed in four has no faults; `none`: no seed has any. */
  readonly faults?: 'drawn' | 'none';
}

export interface StaleRead {
  readonly key: string;
  readonly client: number;
  readonly readAtMs: number;
  readonly returned: readonly string[];
  /** The acknowledged write the read should have seen, and when it was acknowledged. */
  readonly missed: string;
  readonly missedAckMs: number;
}

export interface FaultRunReport {
  readonly seed: number;
  readonly trace: string;
  readonly faults: readonly string[];
  readonly sets: {
    readonly acked: number;
    readonly attempted: number;
    readonly lost: readonly string[];
    readonly diverged: readonly string[];
  };
  readonly reg: { readonly reads: number; readonly stale: readonly StaleRead[] };
  readonly lin: LinReport;
  /** The one-key strict workload. */
  readonly hot: LinReport;
  /** Results of kind `invalid` or thrown errors: always a bug. */
  readonly errors: readonly string[];
}

export interface LinReport {
  readonly ops: number;
  readonly ackedWrites: number;
  readonly okReads: number;
  readonly result: 'ok' | 'illegal' | 'unknown';
  readonly explanation?: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Longest a client waits on one request before calling it unknown (its coordinator may have crashed). */
const CLIENT_GIVE_UP_MS = 8_000;

export async function runFaultSeed(seed: number, opts: FaultRunOptions = {}): Promise<FaultRunReport> {
  const nodes = opts.nodes ?? 5;
  const faultMs = opts.faultMs ?? 20_000;
  const keyCount = opts.keys ?? 3;
  const clients = opts.clients ?? 2;
  const hotClients = opts.hotClients ?? 8;
  const hotMs = Math.min(opts.hotMs ?? 5_000, faultMs);
  // A separate stream, so these choices leave the other workloads' draws as they were.
  const hotRnd = seededRandom(seed ^ 0x686f_7421);
  // Most seeds get a disk that takes time to commit (in order, like a synced engine): replicas of one key then
  // apply concurrent writes at different times, which the instant memory engine never does.
  const diskCommit =
    hotRnd.next() < 0.75
      ? ({ kind: 'exponential', meanMs: 0.5 + hotRnd.int(4), minMs: 0.1 } as const)
      : undefined;
  const cluster = new KvSimCluster({
    seed,
    ...(diskCommit === undefined ? {} : { diskCommit }),
    kv: {
      namespaces: { lin: { strict: true } },
      request: { timeoutMs: 2_000 },
      hints: { intervalMs: 1_000 },
    },
  });
  const sim = cluster.sim;
  const rnd = seededRandom(seed ^ 0x6b76_6661);
  const addrs = Array.from({ length: nodes }, (_, i) => KvSimCluster.addr(i));
  await cluster.startConverged(nodes);
  const keys = Array.from({ length: keyCount }, (_, i) => `k${i}`);
  const errors: string[] = [];
  const faults: string[] = [];
  const t0 = sim.now();
  const faultEnd = t0 + faultMs;
  if (diskCommit !== undefined) faults.push(`disk commit exponential mean ${diskCommit.meanMs} ms`);
  const quiet = hotRnd.next() < 0.25 || opts.faults === 'none';
  const hotStart = t0 + hotRnd.int(faultMs - hotMs + 1);
  if (quiet) faults.push('none (quiet seed)');
  // Half the seeds get heavy-tailed delays (queueing, a busy event loop, a slow disk), under which messages
  // overtake each other far more often than on the uniform LAN.
  if (hotRnd.next() < 0.5) {
    const latency = { kind: 'exponential', meanMs: 1 + hotRnd.int(5), minMs: 0.2 } as const;
    sim.setLinkDefaults({ latency });
    faults.push(`latency exponential mean ${latency.meanMs} ms`);
  }

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => sim.after(ms, resolve));
  /** A live coordinator for the next request, or undefined when every node is down. */
  const anyNode = (r: Random): KvStore | undefined => {
    const live = cluster.live();
    return live.length === 0 ? undefined : one(r, live).kv;
  };
  /** A client's think time, then a live coordinator and a key for its next request (undefined: all down). */
  const nextRequest = async (r: Random): Promise<{ kv: KvStore; key: string } | undefined> => {
    await sleep(between(r, 50, 300));
    const kv = anyNode(r);
    return kv === undefined ? undefined : { kv, key: one(r, keys) };
  };
  const withGiveUp = <T>(p: Promise<T>): Promise<T | 'gave-up'> =>
    Promise.race([p, sleep(CLIENT_GIVE_UP_MS).then(() => 'gave-up' as const)]);
  const note = (what: string, r: KvGetResult | KvDeleteResult | 'gave-up'): void => {
    if (r !== 'gave-up' && r.kind === 'invalid') errors.push(`${what}: invalid (${r.reason}): ${r.error}`);
  };

  // ---- sets workload ------------------------------------------------------------------------------------
  const ackedElements = new Map<string, Set<string>>(keys.map((k) => [k, new Set()]));
  let attempted = 0;
  const setsClient = async (id: number): Promise<void> => {
    const r = rnd.fork();
    let n = 0;
    while (sim.now() < faultEnd) {
      const next = await nextRequest(r);
      if (next === undefined) continue;
      const { kv, key } = next;
      const element = `s${id}.${n++}`;
      attempted++;
      const read = await withGiveUp(kv.get({ ns: 'sets', key: enc.encode(key) }));
      note('sets get', read);
      let elements: string[] = [];
      let context: VersionVector = EMPTY_VV;
      if (read !== 'gave-up' && (read.kind === 'ok' || read.kind === 'notfound')) {
        context = read.context;
        if (read.kind === 'ok') elements = read.values.flatMap((v) => parseSet(dec.decode(v)));
      }
      const value = enc.encode(JSON.stringify([...new Set([...elements, element])].sort()));
      const kv2 = anyNode(r);
      if (kv2 === undefined) continue;
      const put = await withGiveUp(kv2.put({ ns: 'sets', key: enc.encode(key), value, context }));
      note('sets put', put);
      if (put !== 'gave-up' && put.kind === 'ok') ackedElements.get(key)?.add(element);
    }
  };

  // ---- reg workload (stale reads under sloppy quorums) --------------------------------------------------
  /** Per value: the values its writer had read, transitively — what it supersedes. */
  const supersedes = new Map<string, Set<string>>();
  const regAcks: { key: string; value: string; ackMs: number }[] = [];
  const stale: StaleRead[] = [];
  let regReads = 0;
  const checkStale = (client: number, key: string, startMs: number, returned: readonly string[]): void => {
    for (const ack of regAcks) {
      if (ack.key !== key || ack.ackMs >= startMs || returned.includes(ack.value)) continue;
      // Seeing a value that is not superseded by the acked one (it or a later write) is not stale.
      const old = supersedes.get(ack.value) ?? new Set<string>();
      if (returned.every((v) => old.has(v))) {
        stale.push({
          key,
          client,
          readAtMs: startMs - t0,
          returned,
          missed: ack.value,
          missedAckMs: ack.ackMs - t0,
        });
        return;
      }
    }
  };
  const regClient = async (id: number): Promise<void> => {
    const r = rnd.fork();
    let n = 0;
    while (sim.now() < faultEnd) {
      const next = await nextRequest(r);
      if (next === undefined) continue;
      const { kv, key } = next;
      const start = sim.now();
      const read = await withGiveUp(kv.get({ ns: 'reg', key: enc.encode(key) }));
      note('reg get', read);
      if (read === 'gave-up' || (read.kind !== 'ok' && read.kind !== 'notfound')) continue;
      const returned = read.kind === 'ok' ? read.values.map((v) => dec.decode(v)) : [];
      regReads++;
      checkStale(id, key, start, returned);
      if (r.next() < 0.5) continue;
      const value = `r${id}.${n++}`;
      const covered = new Set<string>();
      for (const v of returned) {
        covered.add(v);
        for (const w of supersedes.get(v) ?? []) covered.add(w);
      }
      supersedes.set(value, covered);
      const kv2 = anyNode(r);
      if (kv2 === undefined) continue;
      const put = await withGiveUp(
        kv2.put({ ns: 'reg', key: enc.encode(key), value: enc.encode(value), context: read.context }),
      );
      note('reg put', put);
      if (put !== 'gave-up' && put.kind === 'ok') regAcks.push({ key, value, ackMs: sim.now() });
    }
  };

  // ---- lin and hot workloads (strict mode) --------------------------------------------------------------
  /** Records a strict write or delete: acknowledged, or unknown unless the store says no replica can hold it. */
  const recordWrite = (
    into: Operation<KvInput, KvOutput>[],
    id: number,
    input: KvInput & { op: 'write' | 'delete' },
    call: number,
    res: KvDeleteResult | 'gave-up',
  ): void => {
    note(`strict ${input.op}`, res);
    if (res !== 'gave-up' && res.kind === 'ok')
      into.push(completed(id, input, { op: input.op }, call, sim.now()));
    else if (res === 'gave-up' || res.kind !== 'unavailable' || res.mayHaveApplied !== false)
      into.push(pending(id, input, call));
  };
  /** Records a strict read (a failed read has no effect a client could observe: it is left out). */
  const recordRead = (
    into: Operation<KvInput, KvOutput>[],
    id: number,
    key: string,
    call: number,
    got: KvGetResult | 'gave-up',
  ): void => {
    note('strict get', got);
    if (got === 'gave-up' || (got.kind !== 'ok' && got.kind !== 'notfound')) return;
    if (got.kind === 'ok' && got.values.length !== 1)
      errors.push(`strict read returned ${got.values.length} values`);
    const value = got.kind === 'ok' ? dec.decode(got.values[0] as Uint8Array) : null;
    into.push(completed(id, { op: 'read', key }, { op: 'read', value }, call, sim.now()));
  };
  const history: Operation<KvInput, KvOutput>[] = [];
  const linClient = async (id: number): Promise<void> => {
    const r = rnd.fork();
    let n = 0;
    while (sim.now() < faultEnd) {
      const next = await nextRequest(r);
      if (next === undefined) continue;
      const { kv, key } = next;
      const call = sim.now();
      if (r.next() < 0.5) {
        const value = `w${id}.${n++}`;
        const put = await withGiveUp(
          kv.put({ ns: 'lin', key: enc.encode(key), value: enc.encode(value), context: EMPTY_VV }),
        );
        recordWrite(history, id, { op: 'write', key, value }, call, put);
      } else {
        recordRead(history, id, key, call, await withGiveUp(kv.get({ ns: 'lin', key: enc.encode(key) })));
      }
    }
  };
  const hotHistory: Operation<KvInput, KvOutput>[] = [];
  const hotKey = enc.encode('hot');
  const hotClient = async (id: number): Promise<void> => {
    const r = hotRnd.fork();
    let n = 0;
    let context: VersionVector = EMPTY_VV;
    await sleep(hotStart - sim.now());
    while (sim.now() < hotStart + hotMs) {
      await sleep(r.int(20));
      const kv = anyNode(r);
      if (kv === undefined) continue;
      const call = sim.now();
      const roll = r.next();
      if (roll < 0.4) {
        const got = await withGiveUp(kv.get({ ns: 'lin', key: hotKey }));
        if (got !== 'gave-up' && (got.kind === 'ok' || got.kind === 'notfound')) context = got.context;
        recordRead(hotHistory, id, 'hot', call, got);
      } else if (roll < 0.9) {
        // Half blind, half over the context of this client's last read.
        const value = `h${id}.${n++}`;
        const ctx = roll < 0.65 ? EMPTY_VV : context;
        const put = await withGiveUp(
          kv.put({ ns: 'lin', key: hotKey, value: enc.encode(value), context: ctx }),
        );
        recordWrite(hotHistory, id, { op: 'write', key: 'hot', value }, call, put);
      } else {
        const ctx = roll < 0.95 ? EMPTY_VV : context;
        const del = await withGiveUp(kv.delete({ ns: 'lin', key: hotKey, context: ctx }));
        recordWrite(hotHistory, id, { op: 'delete', key: 'hot' }, call, del);
      }
    }
  };

  // ---- faults ------------------------------------------------------------------------------------------
  const down = new Set<string>();
  const faultLoop = async (): Promise<void> => {
    const r = rnd.fork();
    while (sim.now() < faultEnd - 1_000) {
      await sleep(between(r, 500, 2_500));
      if (sim.now() >= faultEnd - 1_000) break;
      const at = Math.round(sim.now() - t0);
      const roll = r.next();
      const up = addrs.filter((a) => !down.has(a));
      if (roll < 0.2 && down.size < 2) {
        const victim = one(r, up);
        cluster.crash(victim);
        down.add(victim);
        faults.push(`${at} crash ${victim}`);
      } else if (roll < 0.4 && down.size > 0) {
        const back = one(r, [...down]);
        down.delete(back);
        faults.push(`${at} restart ${back}`);
        await cluster.start(
          back,
          addrs.filter((a) => a !== back),
        );
      } else if (roll < 0.55) {
        const shuffled = r.shuffle([...addrs]);
        const cut = between(r, 1, nodes - 1);
        sim.partition(shuffled.slice(0, cut), shuffled.slice(cut));
        faults.push(`${at} partition ${shuffled.slice(0, cut).join(',')} | ${shuffled.slice(cut).join(',')}`);
      } else if (roll < 0.75) {
        sim.heal();
        faults.push(`${at} heal`);
      } else if (roll < 0.85) {
        const victim = one(r, up);
        const ms = between(r, 200, 4_000);
        sim.pause(victim, ms);
        faults.push(`${at} pause ${victim} ${ms}ms`);
      } else {
        const loss = one(r, [0, 0.05, 0.2]);
        sim.setLinkDefaults({ loss });
        faults.push(`${at} loss ${loss}`);
      }
    }
  };

  const workers = [
    ...(quiet ? [] : [faultLoop()]),
    ...Array.from({ length: clients }, (_, i) => setsClient(i)),
    ...Array.from({ length: clients }, (_, i) => regClient(i)),
    ...Array.from({ length: clients }, (_, i) => linClient(i)),
    ...Array.from({ length: hotClients }, (_, i) => hotClient(i)),
  ];
  let finished = false;
  void Promise.all(workers).then(
    () => {
      finished = true;
    },
    (err: unknown) => {
      finished = true;
      errors.push(`worker threw: ${(err as Error).stack ?? String(err)}`);
    },
  );
  await cluster.runUntil(() => finished, faultMs + 4 * CLIENT_GIVE_UP_MS, 50);

  // ---- liveness: heal everything, let membership converge and hints drain, then repair and check -------
  sim.heal();
  sim.setLinkDefaults({ loss: 0 });
  // Driven in virtual time: opening a store may write, and a slow disk commits only as the simulation runs.
  for (const a of down)
    await cluster.await(
      cluster.start(
        a,
        addrs.filter((x) => x !== a),
      ),
    );
  down.clear();
  const converged = await cluster.runUntil(
    () => cluster.live().every((x) => x.membership.countByState().alive === nodes),
    60_000,
  );
  if (!converged) errors.push('membership did not converge within 60 s after healing');
  const drained = await cluster.runUntil(() => cluster.live().every((x) => x.kv.hints.count === 0), 30_000);
  if (!drained) errors.push('hints not delivered within 30 s after healing');
  await sim.run(2 * CLIENT_GIVE_UP_MS); // requests still in flight land

  const lost: string[] = [];
  const diverged: string[] = [];
  const coordinator = cluster.byName('n0').kv;
  for (const key of keys) {
    const read = await cluster.await(
      coordinator.get({ ns: 'sets', key: enc.encode(key), r: 'all', repair: 'sync', timeoutMs: 10_000 }),
    );
    if (read.kind !== 'ok' && read.kind !== 'notfound') {
      errors.push(`final read of ${key}: ${JSON.stringify(read)}`);
      continue;
    }
    const present = new Set(read.kind === 'ok' ? read.values.flatMap((v) => parseSet(dec.decode(v))) : []);
    for (const e of ackedElements.get(key) ?? []) if (!present.has(e)) lost.push(`${key}:${e}`);
    const why = await divergence(cluster, 'sets', key);
    if (why !== undefined) diverged.push(`${key}: ${why}`);
  }

  return {
    seed,
    trace: sim.traceHash(),
    faults,
    sets: { acked: [...ackedElements.values()].reduce((a, s) => a + s.size, 0), attempted, lost, diverged },
    reg: { reads: regReads, stale },
    lin: linReport(history),
    hot: linReport(hotHistory),
    errors,
  };
}

/** The linearizability verdict of a strict history, with what it checked. */
function linReport(history: readonly Operation<KvInput, KvOutput>[]): LinReport {
  const result = checkOperations(kvModel, history);
  return {
    ops: history.length,
    ackedWrites: history.filter((o) => o.input.op !== 'read' && o.output.kind === 'returned').length,
    okReads: history.filter((o) => o.input.op === 'read').length,
    result: result.result,
    ...(result.result === 'ok' ? {} : { explanation: explainResult(kvModel, history, result) }),
  };
}

/** Undefined when every primary of `key` holds the same set; else which differ. */
async function divergence(cluster: KvSimCluster, ns: string, key: string): Promise<string | undefined> {
  const any = cluster.byName('n0').kv;
  const k = enc.encode(key);
  const partition = any.placement.partitionOf(k);
  const owners = any.placement.primaries(partition, 3);
  const sets = [];
  for (const o of owners) {
    const res = await cluster.await(
      cluster.byName(o).kv.service.handle({ op: 'get', ns, key: k, partition }),
    );
    if (res.kind === 'failure') return `${o} failed: ${res.message}`;
    sets.push({ o, set: res.kind === 'found' ? res.set : undefined });
  }
  const [first, ...rest] = sets;
  for (const s of rest) {
    const same =
      first?.set === undefined || s.set === undefined ? first?.set === s.set : equal(first.set, s.set);
    if (!same) return `${first?.o} and ${s.o} differ`;
  }
  return undefined;
}

function parseSet(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Uniform integer in [lo, hi]. */
function between(r: Random, lo: number, hi: number): number {
  return lo + r.int(hi - lo + 1);
}

function one<T>(r: Random, xs: readonly T[]): T {
  return xs[r.int(xs.length)] as T;
}
