/**
 * One probe round of SWIM failure detection with Lifeguard (DESIGN.md §5; memberlist `state.go` probeNode)
 * as a pure core in the STYLE.md sense: the driver (`prober.ts`) feeds it events — start, ack, nack,
 * probe-timeout, the peers it asked for, the deadline — and performs the actions it returns (send a ping or
 * ping-reqs, arm a timer, adjust the local health score, suspect the target, record the result). Time comes
 * in as `nowMs`; nothing here reads a clock, starts a timer, draws a random number or touches the network.
 *
 * The round, in short:
 * - start: ping the target (a suspect target also gets our suspicion with it, Lifeguard's buddy system),
 *   and arm two timers, probe-timeout and the deadline, both stretched by the local health score.
 * - an ack before the deadline ends the round: healthy, and our own health improves by one.
 * - no ack by probe-timeout: ask for `indirectChecks` peers and send each a ping-req (with nack) for the
 *   target; an ack relayed by any of them still ends the round as an indirect ack.
 * - no ack by the deadline: the round failed. Our health worsens by the number of nacks that did not come
 *   (by one when we asked nobody), and the target, if it is still alive or suspect, is suspected.
 */

import { scaleByHealth } from './awareness.js';
import type { NodeId } from './member.js';
import type { Member, SuspectMessage } from './member-events.js';
import type { ProbeResult } from './membership-metrics.js';

/** The probe tunables (MembershipConfig fields of the same names). */
export interface ProbeConfig {
  /** One round's length, and the time between rounds (memberlist `ProbeInterval`). */
  readonly probeIntervalMs: number;
  /** How long to wait for a direct ack before asking peers (memberlist `ProbeTimeout`). */
  readonly probeTimeoutMs: number;
  /** Peers asked to ping-req the target (memberlist `IndirectChecks`). */
  readonly indirectChecks: number;
}

/** A round's two timers: when to ask peers for help, and when the round is over. */
export interface RoundTimings {
  readonly intervalMs: number;
  readonly probeTimeoutMs: number;
}

/**
 * Lifeguard §IV-A: with health score s both the round and its probe timeout last (s + 1) times longer, so a
 * node that is itself slow probes less often and waits longer before accusing anyone. The driver spaces
 * rounds by the same `intervalMs`. (memberlist scales only the interval; we scale the timeout too, as this
 * driver always has: an overloaded node's acks arrive late, not never.)
 */
export function roundTimings(config: ProbeConfig, healthScore: number): RoundTimings {
  return {
    intervalMs: scaleByHealth(config.probeIntervalMs, healthScore),
    probeTimeoutMs: scaleByHealth(config.probeTimeoutMs, healthScore),
  };
}

/** Who to probe: the target's record when the round starts. */
export type ProbeTarget = Pick<Member, 'id' | 'addr' | 'state' | 'incarnation'>;

/** A peer that can probe the target for us. */
export type ProbePeer = Pick<Member, 'id' | 'addr'>;

export type ProbeTimer = 'probe-timeout' | 'deadline';

export type ProbeEvent =
  | {
      readonly type: 'start';
      readonly target: ProbeTarget;
      /** Unique among this node's pending probes and relays; acks and nacks carry it back. */
      readonly seqNo: number;
      readonly nowMs: number;
      /** Lifeguard local health score (`Awareness.score()`) when the round starts. */
      readonly healthScore: number;
    }
  /** An ack for `seqNo`, from the target itself or relayed by a peer (our protocol does not tell them apart). */
  | { readonly type: 'ack'; readonly seqNo: number; readonly nowMs: number }
  /** A peer tried the target for us and heard nothing (Lifeguard §IV-C); the wait for an ack goes on. */
  | { readonly type: 'nack'; readonly seqNo: number }
  /** A timer armed by a `set-timer` action fired. */
  | { readonly type: 'probe-timeout' }
  | {
      readonly type: 'deadline';
      readonly nowMs: number;
      /** The target's record now (it may have changed, or gone, since the start). */
      readonly target: ProbeTarget | undefined;
    }
  /** The answer to a `pick-peers` action. */
  | { readonly type: 'peers'; readonly peers: readonly ProbePeer[] };

export type ProbeIgnoredReason =
  /** An ack or nack for another sequence number: another round's, or a relay's. */
  | 'other-seq-no'
  /** The round already ended (acked or failed): late acks are normal under loss and delay. */
  | 'round-over'
  /** probe-timeout after the peers were asked: there is nothing more to do before the deadline. */
  | 'already-indirect';

export type ProbeAction =
  /** Ping `to`; with `suspect`, in the same datagram (Lifeguard buddy system: the suspect hears it at once). */
  | {
      readonly type: 'send-ping';
      readonly to: string;
      readonly seqNo: number;
      readonly target: NodeId;
      readonly suspect?: SuspectMessage;
    }
  /** Feed `timer` back as an event after `delayMs`; the driver cancels both timers when the round ends. */
  | { readonly type: 'set-timer'; readonly timer: ProbeTimer; readonly delayMs: number }
  /**
   * Choose up to `count` peers at random among the alive members other than ourselves and the target
   * (memberlist kRandomNodes) and answer with a `peers` event.
   */
  | { readonly type: 'pick-peers'; readonly count: number; readonly exclude: NodeId }
  /** Ask peer `to` to ping the target (at `targetAddr`) for us and to nack if it hears nothing. */
  | {
      readonly type: 'send-ping-req';
      readonly to: string;
      readonly seqNo: number;
      readonly target: NodeId;
      readonly targetAddr: string;
      readonly nack: true;
    }
  /** Lifeguard local health: `Awareness.applyDelta(delta)` (positive = less healthy). */
  | { readonly type: 'awareness'; readonly delta: number }
  /** No ack by the deadline: apply this suspicion to the member table. */
  | { readonly type: 'suspect'; readonly message: SuspectMessage }
  /** The round ended (metrics `probe` and `probeDuration`): the driver forgets it. */
  | { readonly type: 'probe-result'; readonly result: ProbeResult; readonly durationMs: number }
  | { readonly type: 'ignored'; readonly reason: ProbeIgnoredReason; readonly event: ProbeEvent };

type Phase =
  /** Waiting for the direct ack until probe-timeout. */
  | 'direct'
  /** Asked for peers; the `peers` event comes next. */
  | 'picking-peers'
  /** Ping-reqs sent; waiting for a relayed ack until the deadline. */
  | 'indirect'
  | 'acked'
  | 'failed';

interface Started {
  readonly target: ProbeTarget;
  readonly seqNo: number;
  readonly startMs: number;
}

export class ProbeRound {
  private readonly self: NodeId;
  private readonly config: ProbeConfig;
  private started: Started | null = null;
  private phase: Phase = 'direct';
  private nacks = 0;
  /** Peers asked with nack: each should answer with an ack or a nack before the deadline. */
  private expectedNacks = 0;

  constructor(init: { readonly self: NodeId; readonly config: ProbeConfig }) {
    this.self = init.self;
    this.config = init.config;
  }

  /** Acked or failed: later events are ignored and the driver may drop the round. */
  get finished(): boolean {
    return this.phase === 'acked' || this.phase === 'failed';
  }

  /** The sequence number acks and nacks of this round carry (after start). */
  get seqNo(): number {
    return this.begun().seqNo;
  }

  handle(event: ProbeEvent): readonly ProbeAction[] {
    if (event.type === 'start') return this.start(event);
    const s = this.begun();
    if ((event.type === 'ack' || event.type === 'nack') && event.seqNo !== s.seqNo) {
      return [{ type: 'ignored', reason: 'other-seq-no', event }];
    }
    if (this.finished) return [{ type: 'ignored', reason: 'round-over', event }];
    switch (event.type) {
      case 'ack':
        return this.ack(s, event.nowMs);
      case 'nack':
        // Counted, not answered: only the deadline can tell whether the nacks that came were enough.
        this.nacks++;
        return [];
      case 'probe-timeout':
        if (this.phase !== 'direct') return [{ type: 'ignored', reason: 'already-indirect', event }];
        this.phase = 'picking-peers';
        return [{ type: 'pick-peers', count: this.config.indirectChecks, exclude: s.target.id }];
      case 'peers':
        return this.askPeers(s, event.peers);
      case 'deadline':
        return this.deadline(s, event.nowMs, event.target);
    }
  }

  private start(e: Extract<ProbeEvent, { type: 'start' }>): ProbeAction[] {
    if (this.started !== null) throw new Error('a probe round starts once');
    const { target, seqNo, nowMs } = e;
    this.started = { target, seqNo, startMs: nowMs };
    const timings = roundTimings(this.config, e.healthScore);
    const ping: ProbeAction =
      target.state === 'suspect'
        ? {
            type: 'send-ping',
            to: target.addr,
            seqNo,
            target: target.id,
            suspect: { type: 'suspect', id: target.id, incarnation: target.incarnation, from: this.self },
          }
        : { type: 'send-ping', to: target.addr, seqNo, target: target.id };
    return [
      ping,
      { type: 'set-timer', timer: 'probe-timeout', delayMs: timings.probeTimeoutMs },
      { type: 'set-timer', timer: 'deadline', delayMs: timings.intervalMs },
    ];
  }

  private ack(s: Started, nowMs: number): ProbeAction[] {
    // A direct ack after probe-timeout counts as indirect too: by then we had asked for help.
    const result: ProbeResult = this.phase === 'direct' ? 'ack' : 'indirect-ack';
    this.phase = 'acked';
    return [
      { type: 'awareness', delta: -1 },
      { type: 'probe-result', result, durationMs: nowMs - s.startMs },
    ];
  }

  private askPeers(s: Started, peers: readonly ProbePeer[]): ProbeAction[] {
    if (this.phase !== 'picking-peers') throw new Error('peers arrive only after a pick-peers action');
    this.phase = 'indirect';
    this.expectedNacks = peers.length;
    return peers.map((p) => ({
      type: 'send-ping-req',
      to: p.addr,
      seqNo: s.seqNo,
      target: s.target.id,
      targetAddr: s.target.addr,
      nack: true,
    }));
  }

  private deadline(s: Started, nowMs: number, current: ProbeTarget | undefined): ProbeAction[] {
    this.phase = 'failed';
    const actions: ProbeAction[] = [
      { type: 'probe-result', result: 'failed', durationMs: nowMs - s.startMs },
    ];
    // Lifeguard §IV-C: peers we assume healthy should each have acked or nacked; every missing answer hints
    // that our own network is the problem. Asking nobody leaves only the failed probe itself as evidence.
    // More nacks than expected (duplicated datagrams) do not make us healthier.
    const delta = this.expectedNacks > 0 ? this.expectedNacks - this.nacks : 1;
    if (delta > 0) actions.push({ type: 'awareness', delta });
    // The member table decides what the suspicion means; a target already dead, left or reaped is no news.
    if (current !== undefined && (current.state === 'alive' || current.state === 'suspect')) {
      actions.push({
        type: 'suspect',
        message: { type: 'suspect', id: s.target.id, incarnation: current.incarnation, from: this.self },
      });
    }
    return actions;
  }

  private begun(): Started {
    if (this.started === null) throw new Error('a probe round must start before anything else');
    return this.started;
  }
}
