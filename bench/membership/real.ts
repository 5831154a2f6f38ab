/**
 * K real membership nodes in one process on 127.0.0.1 over UDP+TCP (`UdpTransport`, `realRuntime`,
 * `lanConfig()`), each built by the node assembly a real node uses (`assembleNode`, membership only: its
 * request router, so TCP bytes include the service-id byte a real node's frames carry), measured with the definitions of the memberlist peer runner
 * (/work/shared/peers/memberlist/main.go), field names included, so the two JSON records compare key by key:
 *
 *   join_s             from the start of the parallel joins (nodes 1..K−1 → node 0) until every node lists
 *                      K members as alive or suspect (memberlist NumMembers() == K). Polled every 10 ms.
 *   steady_*_per_node_s traffic sent in a 5 s window, 2 s after convergence, per node per second.
 *   fail_first_dead_s  node K−1 is stopped abruptly (node.stop() + transport.close(), no leave);
 *                      first `fail` event about it on a survivor (memberlist: first NotifyLeave).
 *   fail_first_dead_poll_s / fail_all_dead_s  polled: first / last survivor that no longer lists it as
 *                      alive or suspect.
 *   leave_*            node K−2 calls leave() (then its transport is closed); polled concurrently.
 */
import { lanConfig, type MembershipConfig } from '../../src/membership/config.js';
import type { Membership } from '../../src/membership/membership.js';
import { assembleNode, type MembershipNode } from '../../src/node/assemble.js';
import { realRuntime } from '../../src/runtime/real.js';
import { UdpTransport } from '../../src/transport/udp-transport.js';
import { CountingTransport, minus, sleep, type Traffic, zeroTraffic } from './common.js';

const POLL_MS = 10;

export interface RealOptions {
  readonly timeoutMs: number;
  readonly settleMs: number;
  readonly windowMs: number;
}

export type RunRecord = Record<string, number | string>;

interface Node {
  readonly node: MembershipNode;
  readonly m: Membership;
  readonly t: CountingTransport;
  closed: boolean;
}

const secs = (ms: number): number => Math.round(ms * 1000) / 1e6;

function lists(observer: Membership, id: string): boolean {
  const s = observer.member(id)?.state;
  return s === 'alive' || s === 'suspect';
}

function listedCount(m: Membership): number {
  const c = m.countByState();
  return c.alive + c.suspect;
}

/** Polls until no observer lists `id`; first / all offsets from t0 in ms, or null on timeout. */
async function waitDropped(
  observers: readonly Membership[],
  id: string,
  t0: number,
  timeoutMs: number,
): Promise<{ first: number; all: number } | null> {
  const pending = new Set(observers);
  let first = -1;
  for (;;) {
    const now = performance.now() - t0;
    if (now > timeoutMs) return null;
    for (const m of pending) {
      if (!lists(m, id)) {
        pending.delete(m);
        if (first < 0) first = now;
      }
    }
    if (pending.size === 0) return { first, all: now };
    await sleep(POLL_MS);
  }
}

function joinDiag(nodes: readonly Node[], k: number): string {
  let incomplete = 0;
  let minView = k;
  for (const n of nodes) {
    const c = listedCount(n.m);
    if (c !== k) incomplete++;
    minView = Math.min(minView, c);
  }
  return `${incomplete}/${k} nodes have an incomplete view, smallest view ${minView}`;
}

export async function realRun(
  k: number,
  run: number,
  opts: RealOptions,
  config: MembershipConfig = lanConfig(),
): Promise<RunRecord> {
  const res: RunRecord = { impl: 'hearsay', k, run };
  const traffic: Traffic = zeroTraffic();
  const nodes: Node[] = [];
  // Failure/leave events, per watched member: observer index → first time (performance.now()).
  let watch: { id: string; idx: number; kinds: readonly string[]; seen: Map<number, number> } | null = null;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  try {
    for (let i = 0; i < k; i++) {
      const runtime = realRuntime();
      const udp = await UdpTransport.bind({ host: '127.0.0.1', port: 0, scheduler: runtime.scheduler });
      const t = new CountingTransport(udp, traffic);
      // No logger and no metrics registry: the bench measures the protocol, not pino or prom-client.
      const node = await assembleNode(
        { ...runtime, transport: t },
        { name: `n${String(i).padStart(3, '0')}`, cluster: 'bench', membership: config, store: false },
      );
      const m = node.membership;
      m.onEvent((e) => {
        const w = watch;
        if (w === null || i === w.idx || !('member' in e)) return;
        if (e.member.id === w.id && w.kinds.includes(e.kind) && !w.seen.has(i))
          w.seen.set(i, performance.now());
      });
      nodes.push({ node, m, t, closed: false });
      node.start();
    }
    const seed = (nodes[0] as Node).t.localAddress;

    // (a) join: all nodes 1..K−1 join node 0 concurrently.
    const tr0 = { ...traffic };
    let t0 = performance.now();
    let joinErrors = 0;
    let firstJoinError = '';
    const joins = nodes.slice(1).map((n) =>
      n.m.join([seed]).then(
        (r) => {
          if (r.contacted === 0) {
            joinErrors++;
            firstJoinError ||= r.errors[0] ?? 'no seed answered';
          }
        },
        (err: unknown) => {
          joinErrors++;
          firstJoinError ||= String(err);
        },
      ),
    );
    let joinsReturnedMs = -1;
    void Promise.all(joins).then(() => {
      joinsReturnedMs = performance.now() - t0;
    });
    for (;;) {
      if (performance.now() - t0 > opts.timeoutMs) {
        throw new Error(
          `join did not converge in ${opts.timeoutMs} ms: join errors ${joinErrors} (first: ${firstJoinError}); ${joinDiag(nodes, k)}`,
        );
      }
      if (nodes.every((n) => listedCount(n.m) === k)) break;
      await sleep(POLL_MS);
    }
    res.join_s = secs(performance.now() - t0);
    await Promise.all(joins);
    res.join_calls_returned_s = secs(joinsReturnedMs);
    res.join_errors = joinErrors;
    const jt = minus(traffic, tr0);
    res.join_udp_pkts = jt.udpPkts;
    res.join_udp_bytes = jt.udpBytes;
    res.join_tcp_bytes = jt.tcpBytes;

    // (d) steady-state traffic.
    await sleep(opts.settleMs);
    const s0 = { ...traffic };
    await sleep(opts.windowMs);
    const st = minus(traffic, s0);
    const per = k * (opts.windowMs / 1000);
    res.steady_udp_pkts_per_node_s = st.udpPkts / per;
    res.steady_udp_bytes_per_node_s = st.udpBytes / per;
    res.steady_tcp_bytes_per_node_s = st.tcpBytes / per;

    // (b) failure: abrupt stop of node K−1.
    const victim = nodes[k - 1] as Node;
    watch = { id: victim.m.name, idx: k - 1, kinds: ['fail', 'leave'], seen: new Map() };
    t0 = performance.now();
    victim.node.stop();
    victim.closed = true;
    await victim.t.close();
    const fail = await waitDropped(
      nodes.slice(0, k - 1).map((n) => n.m),
      victim.m.name,
      t0,
      opts.timeoutMs,
    );
    if (fail === null) throw new Error(`failure not detected by all within ${opts.timeoutMs} ms`);
    res.fail_first_dead_poll_s = secs(fail.first);
    res.fail_all_dead_s = secs(fail.all);
    const failTimes = [...watch.seen.values()].sort((a, b) => a - b);
    if (failTimes.length > 0) {
      res.fail_first_dead_s = secs((failTimes[0] as number) - t0);
      res.fail_all_dead_event_s = secs((failTimes[failTimes.length - 1] as number) - t0);
      res.fail_events = failTimes.length;
    }

    // (c) graceful leave of node K−2.
    const leaver = nodes[k - 2] as Node;
    watch = { id: leaver.m.name, idx: k - 2, kinds: ['leave', 'fail'], seen: new Map() };
    t0 = performance.now();
    const dropped = waitDropped(
      nodes.slice(0, k - 2).map((n) => n.m),
      leaver.m.name,
      t0,
      opts.timeoutMs,
    );
    await leaver.node.leave();
    res.leave_call_s = secs(performance.now() - t0);
    leaver.closed = true;
    await leaver.t.close();
    const left = await dropped;
    if (left === null) throw new Error(`leave not seen by all within ${opts.timeoutMs} ms`);
    res.leave_first_poll_s = secs(left.first);
    res.leave_all_s = secs(left.all);
    const leaveTimes = [...watch.seen.values()].sort((a, b) => a - b);
    if (leaveTimes.length > 0) res.leave_first_s = secs((leaveTimes[0] as number) - t0);

    const wallS = (performance.now() - wall0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    res.run_wall_s = wallS;
    res.cpu_cores_used = (cpu.user + cpu.system) / 1e6 / wallS;
  } catch (err) {
    res.error = err instanceof Error ? err.message : String(err);
  } finally {
    watch = null;
    for (const n of nodes) {
      n.node.stop();
      if (!n.closed) await n.t.close();
    }
  }
  return res;
}
