import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NodeId, nodeId } from '../../../src/membership/member.js';
import type {
  AliveMessage,
  DeadMessage,
  MembershipMessage,
  MemberTableAction,
  RemoteMemberState,
  SuspectMessage,
} from '../../../src/membership/member-events.js';
import { MemberTable, metaSizeBytes } from '../../../src/membership/member-table.js';

const SELF = nodeId('self');
const A = nodeId('a');
const B = nodeId('b');
const C = nodeId('c');

function addrOf(id: NodeId): string {
  return `${id}.example:7946`;
}

function newTable(opts: { id?: NodeId; reclaimMs?: number; incarnation?: number } = {}): MemberTable {
  const id = opts.id ?? SELF;
  return new MemberTable({
    local: { id, addr: addrOf(id), zone: '', meta: {} },
    incarnation: opts.incarnation ?? 1,
    nowMs: 0,
    deadNodeReclaimTimeMs: opts.reclaimMs ?? 0,
  });
}

function alive(id: NodeId, incarnation: number, over: Partial<AliveMessage> = {}): AliveMessage {
  return { type: 'alive', id, incarnation, addr: addrOf(id), zone: '', meta: {}, ...over };
}

function suspect(id: NodeId, incarnation: number, from: NodeId = C): SuspectMessage {
  return { type: 'suspect', id, incarnation, from };
}

function dead(id: NodeId, incarnation: number, from: NodeId = C): DeadMessage {
  return { type: 'dead', id, incarnation, from };
}

type ActionOf<T extends MemberTableAction['type']> = Extract<MemberTableAction, { type: T }>;

function ofType<T extends MemberTableAction['type']>(
  actions: readonly MemberTableAction[],
  type: T,
): ActionOf<T>[] {
  return actions.filter((a): a is ActionOf<T> => a.type === type);
}

function kinds(actions: readonly MemberTableAction[]): string[] {
  return actions.map((a) => (a.type === 'event' ? `event:${a.kind}` : a.type));
}

function view(t: MemberTable, id: NodeId): [number, string] | undefined {
  const m = t.get(id);
  return m === undefined ? undefined : [m.incarnation, m.state];
}

/** A table that already knows `ids` as alive at incarnation 1. */
function tableKnowing(ids: readonly NodeId[], opts: Parameters<typeof newTable>[0] = {}): MemberTable {
  const t = newTable(opts);
  for (const id of ids) t.handle(alive(id, 1), 0);
  return t;
}

describe('alive messages (memberlist aliveNode)', () => {
  it('a new member joins at whatever incarnation it announces, is re-gossiped and reported as a join', () => {
    const t = newTable();
    const actions = t.handle(alive(A, 0, { zone: 'z1', meta: { role: 'kv' } }), 5);
    expect(kinds(actions)).toEqual(['broadcast', 'event:join']);
    expect(ofType(actions, 'broadcast')[0]).toMatchObject({ key: A, message: { type: 'alive', id: A } });
    expect(t.get(A)).toEqual({
      id: A,
      addr: addrOf(A),
      zone: 'z1',
      meta: { role: 'kv' },
      incarnation: 0,
      state: 'alive',
    });
    expect(t.stateChangeMs(A)).toBe(5);
  });

  it('an alive at the same or an older incarnation is ignored, even when it carries other metadata', () => {
    const t = newTable();
    t.handle(alive(A, 3), 0);
    expect(kinds(t.handle(alive(A, 3, { meta: { x: 'y' } }), 1))).toEqual(['ignored']);
    expect(ofType(t.handle(alive(A, 2), 1), 'ignored')[0]?.reason).toBe('stale-incarnation');
    expect(t.get(A)?.meta).toEqual({});
  });

  it('a newer alive with new metadata is re-gossiped and reported as an update', () => {
    const t = tableKnowing([A]);
    const actions = t.handle(alive(A, 2, { meta: { v: '2' } }), 7);
    expect(kinds(actions)).toEqual(['broadcast', 'event:update']);
    expect(t.get(A)).toMatchObject({ incarnation: 2, meta: { v: '2' }, state: 'alive' });
    expect(t.stateChangeMs(A)).toBe(0);
  });

  it('a newer alive with nothing new is re-gossiped but reports no event', () => {
    const t = tableKnowing([A]);
    expect(kinds(t.handle(alive(A, 2), 1))).toEqual(['broadcast']);
  });

  it('a suspect that refutes with a higher incarnation is alive again and its suspicion stops', () => {
    const t = tableKnowing([A]);
    t.handle(suspect(A, 1), 1);
    const actions = t.handle(alive(A, 2), 2);
    expect(kinds(actions)).toEqual(['stop-suspicion', 'broadcast']);
    expect(t.get(A)).toMatchObject({ incarnation: 2, state: 'alive' });
    expect(t.stateChangeMs(A)).toBe(2);
  });

  it('an alive at the suspect’s own incarnation does not clear the suspicion', () => {
    const t = tableKnowing([A]);
    t.handle(suspect(A, 1), 1);
    expect(kinds(t.handle(alive(A, 1), 2))).toEqual(['ignored']);
    expect(view(t, A)).toEqual([1, 'suspect']);
  });

  it.each(['dead', 'left'] as const)(
    'a %s member that restarts with a higher incarnation rejoins',
    (state) => {
      const t = tableKnowing([A]);
      t.handle(dead(A, 1, state === 'left' ? A : C), 1);
      expect(kinds(t.handle(alive(A, 1), 2))).toEqual(['ignored']);
      const actions = t.handle(alive(A, 2), 3);
      expect(kinds(actions)).toEqual(['broadcast', 'event:join']);
      expect(t.get(A)).toMatchObject({ incarnation: 2, state: 'alive' });
      expect(t.stateChangeMs(A)).toBe(3);
    },
  );

  it('an alive from another address for a live member is a name conflict: reported, not applied', () => {
    const t = tableKnowing([A]);
    const other = alive(A, 9, { addr: '10.9.9.9:7946' });
    const actions = t.handle(other, 1);
    expect(kinds(actions)).toEqual(['conflict', 'ignored']);
    expect(ofType(actions, 'conflict')[0]).toMatchObject({ existing: { addr: addrOf(A) }, other });
    expect(ofType(actions, 'ignored')[0]?.reason).toBe('address-conflict');
    expect(t.get(A)).toMatchObject({ addr: addrOf(A), incarnation: 1 });
  });

  it('a left member’s name can be taken by a new address at any incarnation', () => {
    const t = tableKnowing([A]);
    t.handle(dead(A, 5, A), 1);
    const actions = t.handle(alive(A, 1, { addr: '10.9.9.9:7946' }), 2);
    expect(kinds(actions)).toEqual(['broadcast', 'event:join']);
    expect(t.get(A)).toMatchObject({ addr: '10.9.9.9:7946', incarnation: 1, state: 'alive' });
  });

  it('a dead member’s name can be taken by a new address only after deadNodeReclaimTime', () => {
    const t = tableKnowing([A], { reclaimMs: 1000 });
    t.handle(dead(A, 5), 100);
    const moved = alive(A, 1, { addr: '10.9.9.9:7946' });
    expect(kinds(t.handle(moved, 1100))).toEqual(['conflict', 'ignored']);
    expect(kinds(t.handle(moved, 1101))).toEqual(['broadcast', 'event:join']);
    expect(t.get(A)).toMatchObject({ addr: '10.9.9.9:7946', state: 'alive' });
  });

  it('with deadNodeReclaimTime 0 a dead member’s name is never reclaimed by another address', () => {
    const t = tableKnowing([A], { reclaimMs: 0 });
    t.handle(dead(A, 5), 0);
    expect(kinds(t.handle(alive(A, 9, { addr: '10.9.9.9:7946' }), 1e12))).toEqual(['conflict', 'ignored']);
  });
});

describe('suspect messages (memberlist suspectNode)', () => {
  it('a suspect about an unknown member is ignored', () => {
    const t = newTable();
    expect(ofType(t.handle(suspect(A, 1), 0), 'ignored')[0]?.reason).toBe('unknown-member');
    expect(t.get(A)).toBeUndefined();
  });

  it('an alive member suspected at its incarnation or later becomes suspect and a suspicion starts', () => {
    const t = tableKnowing([A]);
    const actions = t.handle(suspect(A, 3, B), 4);
    expect(kinds(actions)).toEqual(['broadcast', 'start-suspicion']);
    expect(ofType(actions, 'start-suspicion')[0]).toEqual({
      type: 'start-suspicion',
      id: A,
      incarnation: 3,
      from: B,
    });
    expect(t.get(A)).toMatchObject({ incarnation: 3, state: 'suspect' });
    expect(t.stateChangeMs(A)).toBe(4);
  });

  it('a suspect about an older incarnation is ignored', () => {
    const t = tableKnowing([A]);
    t.handle(alive(A, 4), 0);
    expect(ofType(t.handle(suspect(A, 3), 1), 'ignored')[0]?.reason).toBe('stale-incarnation');
    expect(view(t, A)).toEqual([4, 'alive']);
  });

  it('further accusations of a suspect confirm the running suspicion without changing the member', () => {
    const t = tableKnowing([A]);
    t.handle(suspect(A, 1, B), 1);
    const again = suspect(A, 2, C);
    const actions = t.handle(again, 2);
    // memberlist: a confirmation is re-gossiped only if the timer counted it, which the driver learns.
    expect(actions).toEqual([{ type: 'confirm-suspicion', id: A, from: C, message: again }]);
    expect(t.get(A)).toMatchObject({ incarnation: 1, state: 'suspect' });
    expect(t.stateChangeMs(A)).toBe(1);
  });

  it.each(['dead', 'left'] as const)('a %s member is never suspected', (state) => {
    const t = tableKnowing([A]);
    t.handle(dead(A, 1, state === 'left' ? A : C), 0);
    expect(ofType(t.handle(suspect(A, 7), 1), 'ignored')[0]?.reason).toBe('not-alive');
    expect(view(t, A)).toEqual([1, state]);
  });
});

describe('dead messages (memberlist deadNode)', () => {
  it('a dead at the member’s incarnation or later marks it dead and reports a failure', () => {
    const t = tableKnowing([A]);
    const actions = t.handle(dead(A, 1), 9);
    expect(kinds(actions)).toEqual(['broadcast', 'event:fail']);
    expect(t.get(A)).toMatchObject({ incarnation: 1, state: 'dead' });
    expect(t.stateChangeMs(A)).toBe(9);
  });

  it('a dead about a suspect stops its suspicion', () => {
    const t = tableKnowing([A]);
    t.handle(suspect(A, 2), 1);
    expect(kinds(t.handle(dead(A, 2), 2))).toEqual(['stop-suspicion', 'broadcast', 'event:fail']);
  });

  it('a dead about an older incarnation is ignored', () => {
    const t = tableKnowing([A]);
    t.handle(alive(A, 3), 0);
    expect(ofType(t.handle(dead(A, 2), 1), 'ignored')[0]?.reason).toBe('stale-incarnation');
    expect(view(t, A)).toEqual([3, 'alive']);
  });

  it('a dead sent by the member about itself is a graceful leave', () => {
    const t = tableKnowing([A]);
    const actions = t.handle(dead(A, 1, A), 3);
    expect(kinds(actions)).toEqual(['broadcast', 'event:leave']);
    expect(view(t, A)).toEqual([1, 'left']);
  });

  it('a dead about a member that is already dead or left changes nothing', () => {
    const t = tableKnowing([A, B]);
    t.handle(dead(A, 1), 1);
    t.handle(dead(B, 1, B), 1);
    expect(ofType(t.handle(dead(A, 4), 2), 'ignored')[0]?.reason).toBe('already-dead');
    expect(ofType(t.handle(dead(B, 4), 2), 'ignored')[0]?.reason).toBe('already-dead');
    expect(t.get(A)).toMatchObject({ incarnation: 1, state: 'dead' });
    expect(t.stateChangeMs(A)).toBe(1);
    expect(view(t, B)).toEqual([1, 'left']);
  });

  it('a dead about an unknown member is ignored', () => {
    expect(ofType(newTable().handle(dead(A, 1), 0), 'ignored')[0]?.reason).toBe('unknown-member');
  });

  it('an expired suspicion declares the member dead, from us', () => {
    const t = tableKnowing([A]);
    t.handle(suspect(A, 1), 1);
    const actions = t.suspicionExpired(A, 1, 50);
    expect(ofType(actions, 'broadcast')[0]?.message).toEqual(dead(A, 1, SELF));
    expect(t.get(A)).toMatchObject({ state: 'dead' });
    expect(t.stateChangeMs(A)).toBe(50);
  });

  it('a suspicion timer that outlived its suspicion changes nothing', () => {
    const t = tableKnowing([A]);
    t.handle(suspect(A, 1), 1);
    t.handle(alive(A, 2), 2);
    expect(ofType(t.suspicionExpired(A, 1, 50), 'ignored')[0]?.reason).toBe('suspicion-outdated');
    expect(view(t, A)).toEqual([2, 'alive']);
  });
});

describe('messages about ourselves: refutation (memberlist refute)', () => {
  it.each([
    ['suspect', suspect(SELF, 4)],
    ['dead', dead(SELF, 4)],
  ] as const)(
    'a %s about us at our incarnation or later is refuted with a higher incarnation',
    (_, accusation) => {
      const t = newTable({ incarnation: 2 });
      const actions = t.handle(accusation, 1);
      expect(kinds(actions)).toEqual(['refute', 'broadcast', 'awareness']);
      expect(ofType(actions, 'refute')[0]).toEqual({ type: 'refute', incarnation: 5, accusation });
      expect(ofType(actions, 'broadcast')[0]).toEqual({
        type: 'broadcast',
        key: SELF,
        message: alive(SELF, 5),
      });
      // Lifeguard §IV-A: being accused means others cannot hear us well.
      expect(ofType(actions, 'awareness')[0]?.delta).toBe(1);
      expect(view(t, SELF)).toEqual([5, 'alive']);
    },
  );

  it('an accusation about an older incarnation of us is ignored', () => {
    const t = newTable({ incarnation: 5 });
    expect(kinds(t.handle(suspect(SELF, 4), 1))).toEqual(['ignored']);
    expect(kinds(t.handle(dead(SELF, 4), 1))).toEqual(['ignored']);
    expect(t.localIncarnation()).toBe(5);
  });

  it('an alive about us at a higher incarnation (an earlier life of this node) is out-bid', () => {
    const t = newTable({ incarnation: 1 });
    const actions = t.handle(alive(SELF, 7), 1);
    expect(ofType(actions, 'refute')[0]?.incarnation).toBe(8);
    expect(ofType(actions, 'broadcast')[0]?.message).toEqual(alive(SELF, 8));
  });

  it('an alive about us at our incarnation is refuted only if it says something else', () => {
    const t = newTable({ incarnation: 3 });
    expect(ofType(t.handle(alive(SELF, 3), 1), 'ignored')[0]?.reason).toBe('no-change');
    const actions = t.handle(alive(SELF, 3, { meta: { old: 'config' } }), 1);
    expect(ofType(actions, 'refute')[0]?.incarnation).toBe(4);
    expect(t.local().meta).toEqual({});
  });

  it('an alive about us from another address is a name conflict, not a refutation', () => {
    const t = newTable();
    expect(kinds(t.handle(alive(SELF, 9, { addr: '10.9.9.9:7946' }), 1))).toEqual(['conflict', 'ignored']);
    expect(t.localIncarnation()).toBe(1);
  });
});

describe('graceful leave and local metadata', () => {
  it('leave marks us left and gossips a dead-about-ourselves that the driver waits for', () => {
    const t = newTable({ incarnation: 3 });
    const actions = t.leave(10);
    expect(kinds(actions)).toEqual(['broadcast', 'event:leave']);
    expect(ofType(actions, 'broadcast')[0]).toEqual({
      type: 'broadcast',
      key: SELF,
      message: dead(SELF, 3, SELF),
      leave: true,
    });
    expect(t.local()).toMatchObject({ state: 'left', incarnation: 3 });
    expect(t.stateChangeMs(t.localId)).toBe(10);
    expect(t.hasLeft()).toBe(true);
    expect(t.leave(11)).toEqual([]);
  });

  it('after leaving, accusations and alives about us are not refuted', () => {
    const t = newTable();
    t.leave(1);
    for (const m of [suspect(SELF, 9), dead(SELF, 9), alive(SELF, 9)]) {
      expect(kinds(t.handle(m, 2))).toEqual(['ignored']);
    }
    expect(view(t, SELF)).toEqual([1, 'left']);
  });

  it('receivers record our leave as left, not failed', () => {
    const me = newTable();
    const peer = tableKnowing([SELF], { id: A });
    const left = ofType(me.leave(1), 'broadcast')[0]?.message as MembershipMessage;
    expect(kinds(peer.handle(left, 2))).toEqual(['broadcast', 'event:leave']);
    expect(view(peer, SELF)).toEqual([1, 'left']);
  });

  it('new metadata spreads as an alive with a higher incarnation', () => {
    const t = newTable({ incarnation: 4 });
    const result = t.setLocalMeta({ dc: 'west' }, 512, 5);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(kinds(result.actions)).toEqual(['broadcast', 'event:update']);
    expect(ofType(result.actions, 'broadcast')[0]?.message).toEqual(alive(SELF, 5, { meta: { dc: 'west' } }));
    expect(t.local()).toMatchObject({ incarnation: 5, meta: { dc: 'west' }, state: 'alive' });

    const peer = tableKnowing([SELF], { id: A });
    peer.handle(ofType(result.actions, 'broadcast')[0]?.message as MembershipMessage, 6);
    expect(peer.get(SELF)?.meta).toEqual({ dc: 'west' });
  });

  it('metadata over maxMetaBytes is refused with a typed error and changes nothing', () => {
    const t = newTable();
    const meta = { k: 'é'.repeat(10) };
    expect(metaSizeBytes(meta)).toBe(21);
    expect(t.setLocalMeta(meta, 20, 1)).toEqual({
      ok: false,
      error: { type: 'meta-too-large', sizeBytes: 21, maxBytes: 20 },
    });
    expect(t.setLocalMeta(meta, 21, 1).ok).toBe(true);
    t.leave(2);
    expect(t.setLocalMeta({}, 21, 3)).toEqual({ ok: false, error: { type: 'left' } });
  });
});

describe('push/pull merge (memberlist mergeState)', () => {
  function remote(id: NodeId, incarnation: number, state: RemoteMemberState['state']): RemoteMemberState {
    return { id, addr: addrOf(id), zone: '', meta: {}, incarnation, state };
  }

  it('remote alive members are applied as alive messages', () => {
    const t = newTable();
    t.mergeRemoteState([remote(A, 2, 'alive'), remote(B, 1, 'alive')], 1);
    expect(view(t, A)).toEqual([2, 'alive']);
    expect(view(t, B)).toEqual([1, 'alive']);
  });

  it('a member the peer thinks dead is only suspected by us, so it can still refute', () => {
    const t = tableKnowing([A]);
    const actions = t.mergeRemoteState([remote(A, 1, 'dead')], 1);
    expect(ofType(actions, 'start-suspicion')[0]).toEqual({
      type: 'start-suspicion',
      id: A,
      incarnation: 1,
      from: SELF,
    });
    expect(view(t, A)).toEqual([1, 'suspect']);
  });

  it('remote suspect members are suspected, remote left members are left', () => {
    const t = tableKnowing([A, B]);
    t.mergeRemoteState([remote(A, 1, 'suspect'), remote(B, 1, 'left')], 1);
    expect(view(t, A)).toEqual([1, 'suspect']);
    expect(view(t, B)).toEqual([1, 'left']);
  });

  it('a peer that thinks we are dead makes us refute', () => {
    const t = newTable({ incarnation: 1 });
    const actions = t.mergeRemoteState([remote(SELF, 6, 'dead')], 1);
    expect(ofType(actions, 'refute')[0]?.incarnation).toBe(7);
    expect(view(t, SELF)).toEqual([7, 'alive']);
  });

  it('members the peer has as dead or left are not added if we never heard of them', () => {
    const t = newTable();
    t.mergeRemoteState([remote(A, 1, 'dead'), remote(B, 1, 'left'), remote(C, 1, 'suspect')], 1);
    expect(t.size()).toBe(1);
  });

  it('merging a peer’s localState brings both tables to the same checksum', () => {
    const x = tableKnowing([A, B], { id: C });
    x.handle(dead(B, 1), 1);
    const y = tableKnowing([B], { id: A });
    y.mergeRemoteState(x.localState(), 2);
    x.mergeRemoteState(y.localState(), 2);
    // y only suspects B (mergeState softens dead to suspect) until B's dead rumour reaches it.
    y.handle(dead(B, 1), 3);
    expect(y.checksum()).toBe(x.checksum());
  });
});

describe('force-leave', () => {
  it('turns a dead member left, gossips the leave and reports it', () => {
    const t = tableKnowing([A]);
    t.handle(dead(A, 1), 5);
    const r = t.forceLeave(A, 9);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(kinds(r.actions)).toEqual(['broadcast', 'event:leave']);
    expect(ofType(r.actions, 'broadcast')[0]?.message).toEqual(dead(A, 1, A));
    expect(view(t, A)).toEqual([1, 'left']);
    expect(t.stateChangeMs(A)).toBe(9);
  });

  it('refuses members that are not failed, unknown ones and ourselves', () => {
    const t = tableKnowing([A, B]);
    t.handle(dead(B, 1, B), 1);
    expect(t.forceLeave(A, 2)).toEqual({ ok: false, error: 'not-failed' });
    expect(t.forceLeave(B, 2)).toEqual({ ok: false, error: 'already-left' });
    expect(t.forceLeave(C, 2)).toEqual({ ok: false, error: 'unknown-member' });
    expect(t.forceLeave(SELF, 2)).toEqual({ ok: false, error: 'unknown-member' });
    t.handle(suspect(A, 1), 3);
    expect(t.forceLeave(A, 4)).toEqual({ ok: false, error: 'not-failed' });
    expect(view(t, A)).toEqual([1, 'suspect']);
  });

  it('a leave about a dead member applies wherever it comes from; a death about a left one does not', () => {
    const t = tableKnowing([A, B]);
    t.handle(dead(A, 1), 1);
    expect(kinds(t.handle(dead(A, 1, A), 2))).toEqual(['broadcast', 'event:leave']);
    expect(view(t, A)).toEqual([1, 'left']);
    expect(kinds(t.handle(dead(A, 1), 3))).toEqual(['ignored']);
    t.handle(dead(B, 1), 1);
    t.mergeRemoteState([{ ...(t.get(B) as RemoteMemberState), state: 'left' }], 4);
    expect(view(t, B)).toEqual([1, 'left']);
  });
});

describe('views', () => {
  it('a new table knows only ourselves, alive at the starting incarnation', () => {
    const t = newTable({ incarnation: 3 });
    expect(t.members()).toEqual([
      { id: SELF, addr: addrOf(SELF), zone: '', meta: {}, incarnation: 3, state: 'alive' },
    ]);
    expect(t.stateChangeMs(SELF)).toBe(0);
    expect(t.localAlive()).toEqual(alive(SELF, 3));
    expect(() => newTable({ incarnation: -1 })).toThrow(RangeError);
  });

  it('restore adopts a snapshot as it is, without actions; our own entry and known members are kept', () => {
    const t = tableKnowing([A]);
    const snapshot = [
      { ...t.get(A), incarnation: 9, state: 'suspect' as const },
      { id: B, addr: addrOf(B), zone: 'z', meta: { k: 'v' }, incarnation: 4, state: 'dead' as const },
      { id: SELF, addr: addrOf(SELF), zone: '', meta: {}, incarnation: 7, state: 'left' as const },
    ] as RemoteMemberState[];
    t.restore(snapshot, 42);
    expect(t.get(A)).toMatchObject({ incarnation: 1, state: 'alive' });
    expect(t.get(B)).toEqual(snapshot[1]);
    expect(t.stateChangeMs(B)).toBe(42);
    expect(t.local()).toMatchObject({ incarnation: 1, state: 'alive' });
    expect(t.countByState()).toEqual({ alive: 2, suspect: 0, dead: 1, left: 0 });
  });

  it('restore keeps the members sorted whatever the snapshot order, and takes the first of duplicate ids', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 60 }), (xs) => {
        const t = tableKnowing([nodeId('m7'), nodeId('m31')]);
        const snapshot = xs.map((x, i) => ({
          id: nodeId(`m${x}`),
          addr: `m${x}:1`,
          zone: '',
          meta: {},
          incarnation: i,
          state: 'alive' as const,
        }));
        t.restore(snapshot, 3);
        const ids = t.members().map((m) => m.id);
        expect(ids).toEqual([...new Set([SELF, 'm7', 'm31', ...xs.map((x) => `m${x}`)])].sort());
        for (const x of new Set(xs)) {
          if (x === 7 || x === 31) continue;
          expect(t.get(nodeId(`m${x}`))?.incarnation).toBe(xs.indexOf(x));
          expect(t.stateChangeMs(nodeId(`m${x}`))).toBe(3);
        }
        expect(t.countByState().alive).toBe(ids.length);
      }),
    );
  });

  it('a members() view is a snapshot: later changes do not show through it', () => {
    const t = tableKnowing([A, B]);
    const before = t.members();
    const ids = before.map((m) => m.id);
    t.handle(alive(C, 1), 1);
    t.handle(suspect(A, 1), 2);
    expect(before.map((m) => m.id)).toEqual(ids);
    expect(before.find((m) => m.id === A)?.state).toBe('alive');
    expect(t.members().map((m) => m.id)).toEqual([...ids, C].sort());
    expect(t.get(A)?.state).toBe('suspect');
  });

  it('tables that heard the same news hold the same record instance, and keep their own state-change times', () => {
    const x = newTable({ id: A });
    const y = newTable({ id: B });
    x.handle(alive(C, 4), 10);
    y.handle(alive(C, 4), 20);
    expect(x.get(C)).toBe(y.get(C));
    expect(Object.isFrozen(x.get(C))).toBe(true);
    expect([x.stateChangeMs(C), y.stateChangeMs(C)]).toEqual([10, 20]);
    y.handle(suspect(C, 4), 30);
    expect(x.get(C)?.state).toBe('alive');
    expect(y.get(C)?.state).toBe('suspect');
    expect(x.stateChangeMs(B)).toBeUndefined();
  });

  it('members are listed sorted by id and counted by state', () => {
    const t = tableKnowing([C, A, B]);
    t.handle(suspect(A, 1), 1);
    t.handle(dead(B, 1), 1);
    expect(t.members().map((m) => m.id)).toEqual([A, B, C, SELF]);
    expect(t.countByState()).toEqual({ alive: 2, suspect: 1, dead: 1, left: 0 });
    expect(t.aliveCount()).toBe(2);
    expect(t.size()).toBe(4);
  });

  it('probe targets are everyone but us and the dead or left, suspects included', () => {
    const t = tableKnowing([C, A, B, nodeId('d')]);
    t.handle(suspect(A, 1), 1);
    t.handle(dead(B, 1), 1);
    t.handle(dead(C, 1, C), 1);
    expect(t.probeTargets()).toEqual([A, nodeId('d')]);
  });

  it('the checksum depends on the view, not on the order it was learned in', () => {
    const x = newTable();
    x.handle(alive(A, 1), 0);
    x.handle(alive(B, 2), 0);
    const y = newTable();
    y.handle(alive(B, 2), 0);
    y.handle(alive(A, 1), 0);
    expect(y.checksum()).toBe(x.checksum());
    y.handle(suspect(A, 1), 1);
    expect(y.checksum()).not.toBe(x.checksum());
  });

  it('reap forgets dead and left members after their own timeouts, never ourselves or the living', () => {
    const t = tableKnowing([A, B, C]);
    t.handle(dead(A, 1), 100);
    t.handle(dead(B, 1, B), 100);
    t.leave(100);
    expect(t.reap(200, 100, 50)).toEqual([B]);
    expect(t.reap(201, 100, 50)).toEqual([A]);
    expect(t.members().map((m) => m.id)).toEqual([C, SELF]);
  });
});

/** Delivers every broadcast to every other table until no one has anything new to say. */
function gossipUntilQuiet(
  tables: readonly MemberTable[],
  first: readonly [MemberTable, readonly MemberTableAction[]][],
): void {
  const queue = [...first];
  for (let step = 0; queue.length > 0; step++) {
    if (step > 10_000) throw new Error('gossip did not quiesce');
    const [sender, actions] = queue.shift() as [MemberTable, readonly MemberTableAction[]];
    for (const b of ofType(actions, 'broadcast')) {
      for (const t of tables) if (t !== sender) queue.push([t, t.handle(b.message, step)]);
    }
  }
}

describe('a small cluster exchanging rumours', () => {
  const ids = [A, B, C] as const;
  function cluster(): MemberTable[] {
    return ids.map((id) =>
      tableKnowing(
        ids.filter((o) => o !== id),
        { id },
      ),
    );
  }

  it('a suspected node that refutes with a higher incarnation is alive again everywhere', () => {
    const [a, b, c] = cluster() as [MemberTable, MemberTable, MemberTable];
    // b failed to probe a and suspects it; the rumour reaches c, and a, which refutes.
    gossipUntilQuiet([a, b, c], [[b, b.handle(suspect(A, 1, B), 1)]]);
    for (const t of [a, b, c]) expect(view(t, A)).toEqual([2, 'alive']);
    expect(b.checksum()).toBe(a.checksum());
    expect(c.checksum()).toBe(a.checksum());
  });

  it('a node declared dead by mistake comes back to life everywhere', () => {
    const [a, b, c] = cluster() as [MemberTable, MemberTable, MemberTable];
    gossipUntilQuiet([a, b, c], [[b, b.handle(dead(A, 1, B), 1)]]);
    for (const t of [a, b, c]) expect(view(t, A)).toEqual([2, 'alive']);
  });

  it('a graceful leave is recorded as left everywhere', () => {
    const [a, b, c] = cluster() as [MemberTable, MemberTable, MemberTable];
    gossipUntilQuiet([a, b, c], [[a, a.leave(1)]]);
    for (const t of [a, b, c]) expect(view(t, A)).toEqual([1, 'left']);
  });
});

const REMOTE = [A, B, C] as const;
const arbRemoteId = fc.constantFrom(...REMOTE);

describe('properties', () => {
  it('alive/dead rumours applied in any order give the same view: the highest incarnation wins', () => {
    // memberlist is not commutative in general (a suspect needs an alive member; a second dead after a
    // first is ignored), so each member gets distinct incarnations and at most one dead-or-left rumour.
    const arbRumours = fc
      .tuple(
        ...REMOTE.map((id) =>
          fc
            .record({
              incarnations: fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 5 }),
              death: fc.constantFrom('none', 'dead', 'left'),
            })
            .map(({ incarnations, death }): MembershipMessage[] =>
              incarnations.map((inc, i) =>
                i === 0 && death !== 'none' ? dead(id, inc, death === 'left' ? id : SELF) : alive(id, inc),
              ),
            ),
        ),
      )
      .map((lists) => lists.flat());
    fc.assert(
      fc.property(arbRumours, fc.infiniteStream(fc.nat()), (rumours, seeds) => {
        const shuffled = [...rumours];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (seeds.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as MembershipMessage, shuffled[i] as MembershipMessage];
        }
        const x = newTable();
        const y = newTable();
        // Both first hear each member join at incarnation 0, as a join via push/pull would do.
        for (const id of REMOTE) for (const t of [x, y]) t.handle(alive(id, 0), 0);
        for (const m of rumours) x.handle(m, 1);
        for (const m of shuffled) y.handle(m, 1);
        for (const id of REMOTE) {
          const newest = rumours.filter((m) => m.id === id).sort((p, q) => q.incarnation - p.incarnation)[0];
          const state = newest?.type === 'alive' ? 'alive' : newest?.from === id ? 'left' : 'dead';
          expect(view(x, id)).toEqual([newest?.incarnation, state]);
          expect(view(y, id)).toEqual(view(x, id));
        }
        expect(y.checksum()).toBe(x.checksum());
      }),
    );
  });

  const arbMessage: fc.Arbitrary<MembershipMessage> = fc.oneof(
    fc
      .record({ id: fc.constantFrom(...REMOTE, SELF), inc: fc.integer({ min: 0, max: 20 }) })
      .map(({ id, inc }) => alive(id, inc)),
    fc
      .record({
        id: fc.constantFrom(...REMOTE, SELF),
        inc: fc.integer({ min: 0, max: 20 }),
        from: arbRemoteId,
      })
      .map(({ id, inc, from }) => suspect(id, inc, from)),
    fc
      .record({
        id: fc.constantFrom(...REMOTE, SELF),
        inc: fc.integer({ min: 0, max: 20 }),
        from: fc.constantFrom(...REMOTE, SELF),
      })
      .map(({ id, inc, from }) => dead(id, inc, from)),
  );
  type Op =
    | { readonly kind: 'message'; readonly message: MembershipMessage }
    | { readonly kind: 'merge'; readonly states: readonly RemoteMemberState[] }
    | { readonly kind: 'expire'; readonly id: NodeId; readonly inc: number }
    | { readonly kind: 'leave' };
  const arbOp: fc.Arbitrary<Op> = fc.oneof(
    { weight: 8, arbitrary: arbMessage.map((message): Op => ({ kind: 'message', message })) },
    {
      weight: 2,
      arbitrary: fc
        .array(
          fc.record({
            id: fc.constantFrom(...REMOTE, SELF),
            inc: fc.integer({ min: 0, max: 20 }),
            state: fc.constantFrom('alive', 'suspect', 'dead', 'left') as fc.Arbitrary<
              RemoteMemberState['state']
            >,
          }),
          { maxLength: 4 },
        )
        .map(
          (rs): Op => ({
            kind: 'merge',
            states: rs.map(({ id, inc, state }) => ({
              id,
              addr: addrOf(id),
              zone: '',
              meta: {},
              incarnation: inc,
              state,
            })),
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ id: arbRemoteId, inc: fc.integer({ min: 0, max: 20 }) })
        .map((r): Op => ({ kind: 'expire', ...r })),
    },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: 'leave' }) },
  );

  it('no sequence of messages, merges, timer expiries or leaves lowers a member’s incarnation', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 60 }), (ops) => {
        const t = newTable();
        let now = 0;
        for (const op of ops) {
          const before = new Map(t.members().map((m) => [m.id, m.incarnation]));
          now++;
          if (op.kind === 'message') t.handle(op.message, now);
          else if (op.kind === 'merge') t.mergeRemoteState(op.states, now);
          else if (op.kind === 'expire') t.suspicionExpired(op.id, op.inc, now);
          else t.leave(now);
          for (const [id, inc] of before) expect(t.get(id)?.incarnation).toBeGreaterThanOrEqual(inc);
        }
      }),
    );
  });

  it('a refutation always out-bids the accusation and our previous incarnation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.constantFrom('suspect', 'dead', 'alive', 'merge-dead', 'merge-suspect'),
        (ours, theirs, kind) => {
          const t = newTable({ incarnation: ours });
          const actions =
            kind === 'suspect'
              ? t.handle(suspect(SELF, theirs), 1)
              : kind === 'dead'
                ? t.handle(dead(SELF, theirs), 1)
                : kind === 'alive'
                  ? t.handle(alive(SELF, theirs, { meta: { stale: 'yes' } }), 1)
                  : t.mergeRemoteState(
                      [
                        {
                          id: SELF,
                          addr: addrOf(SELF),
                          zone: '',
                          meta: {},
                          incarnation: theirs,
                          state: kind === 'merge-dead' ? 'dead' : 'suspect',
                        },
                      ],
                      1,
                    );
          const refutes = ofType(actions, 'refute');
          // Accusations about an incarnation we already passed need no answer.
          expect(refutes.length).toBe(theirs >= ours ? 1 : 0);
          for (const r of refutes) {
            expect(r.incarnation).toBeGreaterThan(theirs);
            expect(r.incarnation).toBeGreaterThan(ours);
            expect(t.localIncarnation()).toBe(r.incarnation);
            expect(ofType(actions, 'broadcast')[0]?.message).toEqual(alive(SELF, r.incarnation));
            expect(ofType(actions, 'awareness')[0]?.delta).toBe(1);
          }
          expect(t.local().state).toBe('alive');
        },
      ),
    );
  });
});
