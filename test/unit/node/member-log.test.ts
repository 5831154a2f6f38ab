import { describe, expect, it } from 'vitest';
import { type MemberState, nodeId } from '../../../src/membership/member.js';
import type { Member } from '../../../src/membership/member-events.js';
import type { MembershipEvent } from '../../../src/membership/membership.js';
import { NOOP_MEMBERSHIP_METRICS } from '../../../src/membership/membership-metrics.js';
import { MemberStateLog } from '../../../src/node/member-log.js';
import { CapturingLogger } from '../runtime/capturing-logger.js';

const m = (id: string, state: MemberState, incarnation = 1): Member => ({
  id: nodeId(id),
  addr: `${id}:7946`,
  zone: 'z',
  meta: {},
  incarnation,
  state,
});

/** A stand-in for Membership: a member list and an event stream the test drives. */
function fakeMembership(initial: Member[]) {
  let members = initial;
  const listeners: ((e: MembershipEvent) => void)[] = [];
  return {
    name: nodeId('self'),
    members: () => members,
    onEvent: (l: (e: MembershipEvent) => void) => {
      listeners.push(l);
      return () => {};
    },
    set(next: Member[]) {
      members = next;
    },
    emit(e: MembershipEvent) {
      for (const l of listeners) l(e);
    },
  };
}

describe('MemberStateLog', () => {
  it('logs joins and every state change of other members at info, metadata updates at debug', () => {
    const log = new CapturingLogger();
    const watch = new MemberStateLog(log);
    const fake = fakeMembership([m('self', 'alive'), m('a', 'alive')]);
    let suspicions = 0;
    const metrics = watch.metrics({ ...NOOP_MEMBERSHIP_METRICS, suspicionStarted: () => suspicions++ });
    watch.attach(fake);
    expect(log.lines).toEqual([]); // what it held at attach is the baseline

    fake.emit({ kind: 'join', member: m('b', 'alive') });
    // A suspicion emits no event: the metrics hook makes the watcher look.
    fake.set([m('self', 'alive'), m('a', 'suspect'), m('b', 'alive')]);
    metrics.suspicionStarted();
    expect(suspicions).toBe(1);
    fake.emit({ kind: 'fail', member: m('a', 'dead') });
    fake.emit({ kind: 'join', member: m('a', 'alive', 3) });
    fake.emit({ kind: 'update', member: m('a', 'alive', 4) });
    fake.emit({ kind: 'leave', member: m('b', 'left') });
    fake.emit({ kind: 'leave', member: m('self', 'left') }); // this node's own lifecycle is node.ts's
    fake.emit({ kind: 'user', name: 'deploy', payload: new Uint8Array(0), ltime: 1 });

    expect(log.lines.map((l) => [l.level, l.msg, l.fields.member, l.fields.from, l.fields.to])).toEqual([
      ['info', 'member joined', 'b', undefined, undefined],
      ['info', 'member state changed', 'a', 'alive', 'suspect'],
      ['info', 'member state changed', 'a', 'suspect', 'dead'],
      ['info', 'member state changed', 'a', 'dead', 'alive'],
      ['debug', 'member updated', 'a', undefined, undefined],
      ['info', 'member state changed', 'b', 'alive', 'left'],
    ]);
  });

  it('forwards every metrics call to the wrapped metrics', () => {
    const calls: string[] = [];
    const inner = Object.fromEntries(
      Object.keys(NOOP_MEMBERSHIP_METRICS).map((k) => [k, () => calls.push(k)]),
    ) as unknown as typeof NOOP_MEMBERSHIP_METRICS;
    const wrapped = new MemberStateLog(new CapturingLogger()).metrics(inner);
    wrapped.probe('ack');
    wrapped.packetIn(10);
    wrapped.suspicionStarted();
    expect(calls).toEqual(['probe', 'packetIn', 'suspicionStarted']);
  });
});
