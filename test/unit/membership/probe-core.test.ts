import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NodeId, nodeId } from '../../../src/membership/member.js';
import {
  type ProbeAction,
  type ProbeConfig,
  type ProbeEvent,
  type ProbePeer,
  ProbeRound,
  type ProbeTarget,
  roundTimings,
} from '../../../src/membership/probe-core.js';

const SELF = nodeId('self');
const T = nodeId('target');
const P1 = nodeId('p1');
const P2 = nodeId('p2');
const P3 = nodeId('p3');

const CONFIG: ProbeConfig = { probeIntervalMs: 1000, probeTimeoutMs: 500, indirectChecks: 3 };
const SEQ = 41;

function addrOf(id: NodeId): string {
  return `${id}.example:7946`;
}

function target(over: Partial<ProbeTarget> = {}): ProbeTarget {
  return { id: T, addr: addrOf(T), state: 'alive', incarnation: 3, ...over };
}

function peers(...ids: NodeId[]): ProbePeer[] {
  return ids.map((id) => ({ id, addr: addrOf(id) }));
}

const ack = (nowMs: number, seqNo = SEQ): ProbeEvent => ({ type: 'ack', seqNo, nowMs });
const nack = (seqNo = SEQ): ProbeEvent => ({ type: 'nack', seqNo });
const probeTimeout: ProbeEvent = { type: 'probe-timeout' };
/** The deadline, with the target's record at that time (unchanged since the start unless given). */
const deadline = (nowMs: number, current: ProbeTarget = target()): ProbeEvent => ({
  type: 'deadline',
  nowMs,
  target: current,
});

type ActionOf<K extends ProbeAction['type']> = Extract<ProbeAction, { type: K }>;

function ofType<K extends ProbeAction['type']>(actions: readonly ProbeAction[], type: K): ActionOf<K>[] {
  return actions.filter((a): a is ActionOf<K> => a.type === type);
}

function kinds(actions: readonly ProbeAction[]): string[] {
  return actions.map((a) => (a.type === 'set-timer' ? `set-timer:${a.timer}` : a.type));
}

/** A round started at time 100 against `t`, with the start's actions. */
function started(
  t: ProbeTarget = target(),
  opts: { healthScore?: number; config?: ProbeConfig } = {},
): { round: ProbeRound; actions: readonly ProbeAction[] } {
  const round = new ProbeRound({ self: SELF, config: opts.config ?? CONFIG });
  const actions = round.handle({
    type: 'start',
    target: t,
    seqNo: SEQ,
    nowMs: 100,
    healthScore: opts.healthScore ?? 0,
  });
  return { round, actions };
}

/** A round whose direct ping went unanswered and that sent ping-reqs through `via`. */
function indirect(via: readonly ProbePeer[] = peers(P1, P2, P3), t: ProbeTarget = target()): ProbeRound {
  const { round } = started(t);
  expect(kinds(round.handle(probeTimeout))).toEqual(['pick-peers']);
  round.handle({ type: 'peers', peers: via });
  return round;
}

describe('starting a round (memberlist probeNode)', () => {
  it('pings the target, then arms probe-timeout and the deadline at the end of the interval', () => {
    const { actions } = started();
    expect(actions).toEqual([
      { type: 'send-ping', to: addrOf(T), seqNo: SEQ, target: T },
      { type: 'set-timer', timer: 'probe-timeout', delayMs: 500 },
      { type: 'set-timer', timer: 'deadline', delayMs: 1000 },
    ]);
  });

  it('a target we already suspect gets our suspicion in the same datagram (Lifeguard buddy system)', () => {
    const { actions } = started(target({ state: 'suspect', incarnation: 7 }));
    expect(ofType(actions, 'send-ping')).toEqual([
      {
        type: 'send-ping',
        to: addrOf(T),
        seqNo: SEQ,
        target: T,
        suspect: { type: 'suspect', id: T, incarnation: 7, from: SELF },
      },
    ]);
  });

  it('an alive target gets a plain ping', () => {
    expect(ofType(started().actions, 'send-ping')[0]).not.toHaveProperty('suspect');
  });

  it('a node with health score s waits (s + 1) times longer for both timers (Lifeguard §IV-A)', () => {
    const { actions } = started(target(), { healthScore: 2 });
    expect(ofType(actions, 'set-timer').map((a) => [a.timer, a.delayMs])).toEqual([
      ['probe-timeout', 1500],
      ['deadline', 3000],
    ]);
    expect(roundTimings(CONFIG, 2)).toEqual({ intervalMs: 3000, probeTimeoutMs: 1500 });
  });

  it('a round starts once, and nothing happens before it starts: both are programmer errors', () => {
    const { round } = started();
    expect(() =>
      round.handle({ type: 'start', target: target(), seqNo: 1, nowMs: 0, healthScore: 0 }),
    ).toThrow();
    expect(() => new ProbeRound({ self: SELF, config: CONFIG }).handle(ack(0))).toThrow();
  });
});

describe('a direct ack', () => {
  it('ends the round as healthy: our own health improves by one and the result is recorded', () => {
    const { round } = started();
    expect(round.handle(ack(130))).toEqual([
      { type: 'awareness', delta: -1 },
      { type: 'probe-result', result: 'ack', durationMs: 30 },
    ]);
    expect(round.finished).toBe(true);
  });

  it('an ack carrying another sequence number is not ours and changes nothing', () => {
    const { round } = started();
    expect(ofType(round.handle(ack(130, SEQ + 1)), 'ignored')[0]?.reason).toBe('other-seq-no');
    expect(round.finished).toBe(false);
    // The round goes on: the right ack still counts.
    expect(kinds(round.handle(ack(140)))).toEqual(['awareness', 'probe-result']);
  });

  it('a duplicated ack, and the timers that fire after the ack, are ignored', () => {
    const { round } = started();
    round.handle(ack(130));
    for (const e of [ack(131), nack(), probeTimeout, deadline(1100)]) {
      expect(ofType(round.handle(e), 'ignored')[0]?.reason).toBe('round-over');
    }
  });
});

describe('no direct ack by probe-timeout: indirect probes (SWIM §3.1, Lifeguard §IV-C)', () => {
  it('asks for indirectChecks peers other than the target, then sends each a ping-req with nack', () => {
    const { round } = started();
    expect(round.handle(probeTimeout)).toEqual([{ type: 'pick-peers', count: 3, exclude: T }]);
    expect(round.handle({ type: 'peers', peers: peers(P1, P2) })).toEqual(
      [P1, P2].map((p) => ({
        type: 'send-ping-req',
        to: addrOf(p),
        seqNo: SEQ,
        target: T,
        targetAddr: addrOf(T),
        nack: true,
      })),
    );
  });

  it('with indirectChecks 0 it asks for no peers and sends nothing', () => {
    const { round } = started(target(), { config: { ...CONFIG, indirectChecks: 0 } });
    expect(round.handle(probeTimeout)).toEqual([{ type: 'pick-peers', count: 0, exclude: T }]);
    expect(round.handle({ type: 'peers', peers: [] })).toEqual([]);
  });

  it('peers nobody asked for are a programmer error', () => {
    const { round } = started();
    expect(() => round.handle({ type: 'peers', peers: peers(P1) })).toThrow();
  });

  it('a relayed ack ends the round as an indirect ack, and health improves by one', () => {
    const round = indirect();
    expect(round.handle(ack(700))).toEqual([
      { type: 'awareness', delta: -1 },
      { type: 'probe-result', result: 'indirect-ack', durationMs: 600 },
    ]);
  });

  it('a direct ack that arrives after probe-timeout also counts as indirect: by then we had asked for help', () => {
    const { round } = started();
    round.handle(probeTimeout);
    expect(ofType(round.handle(ack(650)), 'probe-result')[0]?.result).toBe('indirect-ack');
  });

  it('a nack is information, not an answer: the wait for an ack goes on', () => {
    const round = indirect();
    expect(round.handle(nack())).toEqual([]);
    expect(round.finished).toBe(false);
    expect(ofType(round.handle(ack(800)), 'probe-result')[0]?.result).toBe('indirect-ack');
  });

  it('a nack for another sequence number is not counted', () => {
    const round = indirect(peers(P1));
    expect(ofType(round.handle(nack(SEQ + 1)), 'ignored')[0]?.reason).toBe('other-seq-no');
    // The one expected nack is missing, so the failure costs one point of health.
    expect(ofType(round.handle(deadline(1100)), 'awareness')).toEqual([{ type: 'awareness', delta: 1 }]);
  });
});

describe('no ack by the deadline: the round failed', () => {
  it('records the failure, costs one point of health when nobody was asked, and suspects the target', () => {
    const round = indirect([]);
    expect(round.handle(deadline(1100))).toEqual([
      { type: 'probe-result', result: 'failed', durationMs: 1000 },
      { type: 'awareness', delta: 1 },
      { type: 'suspect', message: { type: 'suspect', id: T, incarnation: 3, from: SELF } },
    ]);
    expect(round.finished).toBe(true);
  });

  it.each([
    [3, 3, 0],
    [3, 2, 1],
    [3, 0, 3],
    [2, 4, 0],
  ])(
    'with %i peers asked and %i nacks received, health worsens by %i (each missing nack hints at our own network)',
    (asked, nacks, delta) => {
      const round = indirect(peers(P1, P2, P3).slice(0, asked));
      for (let i = 0; i < nacks; i++) round.handle(nack());
      const actions = round.handle(deadline(1100));
      expect(ofType(actions, 'awareness')).toEqual(delta === 0 ? [] : [{ type: 'awareness', delta }]);
      // The target is suspected either way: nacks say our network is fine, not that the target is.
      expect(kinds(actions).at(-1)).toBe('suspect');
    },
  );

  it('the suspicion carries the target’s incarnation at the deadline, which may have risen since the start', () => {
    const round = indirect();
    const actions = round.handle(deadline(1100, target({ incarnation: 5 })));
    expect(ofType(actions, 'suspect')[0]?.message).toEqual({
      type: 'suspect',
      id: T,
      incarnation: 5,
      from: SELF,
    });
  });

  it('a target we already suspect and still cannot reach is suspected again (the member table counts it as our confirmation)', () => {
    const round = indirect(peers(P1), target({ state: 'suspect' }));
    const actions = round.handle(deadline(1100, target({ state: 'suspect' })));
    expect(ofType(actions, 'suspect')).toHaveLength(1);
  });

  it.each(['dead', 'left'] as const)('a target that is %s by the deadline is not suspected', (state) => {
    const round = indirect();
    expect(kinds(round.handle(deadline(1100, target({ state }))))).toEqual(['probe-result', 'awareness']);
  });

  it('a target reaped before the deadline is not suspected', () => {
    const round = indirect();
    const reaped: ProbeEvent = { type: 'deadline', nowMs: 1100, target: undefined };
    expect(kinds(round.handle(reaped))).toEqual(['probe-result', 'awareness']);
  });

  it('a late ack after the deadline is ignored: the round is over and the suspicion stands', () => {
    const round = indirect();
    round.handle(deadline(1100));
    expect(ofType(round.handle(ack(1150)), 'ignored')[0]?.reason).toBe('round-over');
    expect(ofType(round.handle(nack()), 'ignored')[0]?.reason).toBe('round-over');
  });

  it('a second probe-timeout after the peers were asked changes nothing', () => {
    const round = indirect();
    expect(ofType(round.handle(probeTimeout), 'ignored')[0]?.reason).toBe('already-indirect');
  });
});

describe('every round, whatever happens', () => {
  const event = fc.oneof(
    fc.constant<ProbeEvent>(probeTimeout),
    fc.integer({ min: 100, max: 1100 }).map((t) => ack(t)),
    fc.integer({ min: 100, max: 1100 }).map((t) => ack(t, SEQ + 1)),
    fc.constant<ProbeEvent>(nack()),
    fc.constant<ProbeEvent>(deadline(1100)),
  );

  it('ends at most once, with one result; health moves down by one on success and never down on failure', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.integer({ min: 0, max: 3 }), (events, k) => {
        const { round } = started();
        const all: ProbeAction[] = [];
        for (const e of events) {
          const actions = round.handle(e);
          all.push(...actions);
          if (ofType(actions, 'pick-peers').length > 0) {
            all.push(...round.handle({ type: 'peers', peers: peers(P1, P2, P3).slice(0, k) }));
          }
        }
        const results = ofType(all, 'probe-result');
        expect(results.length).toBeLessThanOrEqual(1);
        expect(round.finished).toBe(results.length === 1);
        const deltas = ofType(all, 'awareness').map((a) => a.delta);
        const result = results[0]?.result;
        if (result === 'ack' || result === 'indirect-ack') expect(deltas).toEqual([-1]);
        else for (const d of deltas) expect(d).toBeGreaterThan(0);
        // A suspicion comes only from a failed round.
        expect(ofType(all, 'suspect').length).toBe(result === 'failed' ? 1 : 0);
      }),
    );
  });
});
