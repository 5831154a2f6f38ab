/**
 * The probe driver (memberlist `state.go` probe, `net.go` handlePing/handleIndirectPing): every round it
 * picks the next member of a shuffled round-robin list and runs one `ProbeRound` (probe-core.ts), doing the
 * sends, timers and random choices the round asks for. It also answers pings, and relays ping-reqs for
 * other probers. Every rule about what an ack, a nack or silence means lives in the core.
 */

import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { Cancel, Scheduler } from '../runtime/scheduler.js';
import { type Address, formatAddress, parseAddress } from '../transport/transport.js';
import type { Ping, PingReq } from '../wire/index.js';
import { AckHandlers } from './ack-handlers.js';
import type { Awareness } from './awareness.js';
import type { NodeId } from './member.js';
import type { Member, SuspectMessage } from './member-events.js';
import type { MemberTable } from './member-table.js';
import type { MembershipMetrics } from './membership-metrics.js';
import type { PacketIO } from './packet-io.js';
import {
  type ProbeAction,
  type ProbeConfig,
  type ProbeEvent,
  ProbeRound,
  roundTimings,
} from './probe-core.js';
import type { TimerSet } from './timer-set.js';
import { toWire } from './wire-mapping.js';

const EMPTY_PAYLOAD = new Uint8Array(0);

export interface ProberComponents {
  readonly clock: Clock;
  /** For relay timeouts (AckHandlers); the rounds' own timers go through `timers`. */
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly timers: TimerSet;
  readonly table: MemberTable;
  readonly packets: PacketIO;
  readonly awareness: Awareness;
  readonly metrics: MembershipMetrics;
  /** Applies a failed round's suspicion to the member table (the façade's interpreter). */
  readonly suspect: (message: SuspectMessage) => void;
}

export interface ProberInit {
  readonly self: NodeId;
  readonly config: ProbeConfig;
}

/** A round in flight and the timers it armed (cancelled when it ends). */
interface InFlight {
  readonly round: ProbeRound;
  readonly target: NodeId;
  readonly timers: Cancel[];
}

export class Prober {
  private readonly c: ProberComponents;
  private readonly self: NodeId;
  private readonly config: ProbeConfig;
  /** Ping-reqs we relay for other probers, by the sequence number of our own ping. */
  private readonly relays: AckHandlers;
  /**
   * Rounds by sequence number. Usually one; two for an instant, because the next round starts in the same
   * tick as the previous one's deadline, and before it.
   */
  private readonly rounds = new Map<number, InFlight>();
  private seqNo = 0;
  private probeList: NodeId[] = [];
  private probeIndex = 0;
  private stopped = false;

  constructor(components: ProberComponents, init: ProberInit) {
    this.c = components;
    this.self = init.self;
    this.config = init.config;
    this.relays = new AckHandlers(components.scheduler);
  }

  /** Arms the first round at a random offset, so nodes started together do not probe in lock-step. */
  start(): void {
    this.c.timers.after(this.c.random.next() * this.config.probeIntervalMs, () => this.tick());
  }

  /** Forgets rounds and relays; the next tick dies with the TimerSet, which the façade cancels. */
  stop(): void {
    this.stopped = true;
    for (const r of this.rounds.values()) for (const cancel of r.timers) cancel();
    this.rounds.clear();
    this.relays.clear();
  }

  /** Answer only for our own name: a node that took a dead node's address must not vouch for it. */
  onPing(from: Address, ping: Ping): void {
    if (ping.node === this.self)
      this.c.packets.send(from, { type: 'ack', seqNo: ping.seqNo, payload: EMPTY_PAYLOAD });
    else this.c.metrics.packetDropped('ping-wrong-node');
  }

  onAck(seqNo: number): void {
    const r = this.rounds.get(seqNo);
    if (r !== undefined) this.feed(r, { type: 'ack', seqNo, nowMs: this.c.clock.now() });
    else this.relays.ack(seqNo);
  }

  onNack(seqNo: number): void {
    const r = this.rounds.get(seqNo);
    if (r !== undefined) this.feed(r, { type: 'nack', seqNo });
  }

  /** memberlist handleIndirectPing: probe the target for the requester and relay the ack (or a nack). */
  onPingReq(from: Address, req: PingReq): void {
    const seqNo = this.nextSeqNo();
    let answered = false;
    this.relays.add(
      seqNo,
      {
        onAck: () => {
          answered = true;
          this.c.packets.send(from, { type: 'ack', seqNo: req.seqNo, payload: EMPTY_PAYLOAD });
        },
      },
      this.config.probeTimeoutMs,
      () => {
        // Lifeguard §IV-C: tell the requester we tried and heard nothing, so it can tell "target down" from
        // "my own network is bad" (missing nacks raise its health score).
        if (!answered && req.nack) this.c.packets.send(from, { type: 'nack', seqNo: req.seqNo });
      },
    );
    this.c.packets.send(formatAddress(req.targetAddr, req.targetPort), {
      type: 'ping',
      seqNo,
      node: req.node,
    });
  }

  private tick(): void {
    if (this.stopped) return;
    // The next round is armed first, at this round's length: the order the simulator's traces depend on.
    const { intervalMs } = roundTimings(this.config, this.c.awareness.score());
    this.c.timers.after(intervalMs, () => this.tick());
    const target = this.nextTarget();
    if (target === undefined) return;
    const round = new ProbeRound({ self: this.self, config: this.config });
    const seqNo = this.nextSeqNo();
    const r: InFlight = { round, target: target.id, timers: [] };
    this.rounds.set(seqNo, r);
    this.feed(r, {
      type: 'start',
      target,
      seqNo,
      nowMs: this.c.clock.now(),
      healthScore: this.c.awareness.score(),
    });
  }

  /** memberlist probe(): round-robin over a shuffled list, reshuffled after each full pass. */
  private nextTarget(): Member | undefined {
    const { table } = this.c;
    for (let tries = 0; tries < 2; tries++) {
      while (this.probeIndex < this.probeList.length) {
        const id = this.probeList[this.probeIndex++] as NodeId;
        const m = table.get(id);
        if (m !== undefined && id !== this.self && (m.state === 'alive' || m.state === 'suspect')) return m;
      }
      this.probeList = this.c.random.shuffle([...table.probeTargets()]);
      this.probeIndex = 0;
    }
    return undefined;
  }

  /** The interpreter of ProbeRound's actions. */
  private feed(r: InFlight, event: ProbeEvent): void {
    const actions = r.round.handle(event);
    for (const a of actions) this.perform(r, a);
  }

  private perform(r: InFlight, a: ProbeAction): void {
    const { packets, metrics } = this.c;
    switch (a.type) {
      case 'send-ping':
        packets.send(
          a.to,
          { type: 'ping', seqNo: a.seqNo, node: a.target },
          a.suspect === undefined ? [] : [toWire(a.suspect, packets.versions)],
        );
        return;
      case 'set-timer':
        r.timers.push(this.c.timers.after(a.delayMs, () => this.feed(r, this.timerEvent(r, a.timer))));
        return;
      case 'pick-peers': {
        const candidates = this.c.table
          .members()
          .filter((m) => m.id !== this.self && m.id !== a.exclude && m.state === 'alive');
        this.feed(r, { type: 'peers', peers: this.c.random.pick(a.count, candidates) });
        return;
      }
      case 'send-ping-req': {
        const target = parseAddress(a.targetAddr);
        if (target === null) return; // the table holds only addresses it could parse
        packets.send(a.to, {
          type: 'pingReq',
          seqNo: a.seqNo,
          node: a.target,
          targetAddr: target.host,
          targetPort: target.port,
          nack: a.nack,
        });
        return;
      }
      case 'awareness':
        this.c.awareness.applyDelta(a.delta);
        return;
      case 'suspect':
        this.c.suspect(a.message);
        return;
      case 'probe-result':
        metrics.probe(a.result);
        metrics.probeDuration(a.durationMs);
        this.rounds.delete(r.round.seqNo);
        for (const cancel of r.timers) cancel();
        return;
      case 'ignored':
        return;
    }
  }

  private timerEvent(r: InFlight, timer: 'probe-timeout' | 'deadline'): ProbeEvent {
    if (timer === 'probe-timeout') return { type: 'probe-timeout' };
    return { type: 'deadline', nowMs: this.c.clock.now(), target: this.c.table.get(r.target) };
  }

  private nextSeqNo(): number {
    this.seqNo = (this.seqNo + 1) >>> 0;
    return this.seqNo;
  }
}
