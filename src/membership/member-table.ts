/**
 * The member table: who is in the cluster, at which incarnation, in which state (DESIGN.md §5). A pure
 * core in the STYLE.md sense: it applies alive/suspect/dead messages and push/pull states with the rules
 * of memberlist's `state.go` (aliveNode, suspectNode, deadNode, refute, mergeState) and returns the
 * actions (broadcasts, suspicion timers, events, awareness) for its driver to perform. Time comes in as
 * `nowMs`; nothing here reads a clock, starts a timer or touches the network. Where the members are kept
 * (sorted, counted, checksummed) is `sorted-members.ts`; this file holds only the rules.
 *
 * The lattice, in short (SWIM §4.2): a higher incarnation overrides a lower one; at equal incarnation
 * dead overrides suspect overrides alive; only the member itself raises its incarnation, which is how it
 * refutes a suspicion or a false death.
 */
import type { MemberState, NodeId } from './member.js';
import type {
  AliveMessage,
  DeadMessage,
  ForceLeaveResult,
  IgnoredReason,
  Member,
  MemberMeta,
  MembershipMessage,
  MemberTableAction,
  RemoteMemberState,
  SetMetaResult,
  SuspectMessage,
} from './member-events.js';
import { metaEqual } from './member-records.js';
import { SortedMembers } from './sorted-members.js';

/** Re-exported so importers of the table keep one entry point. */
export type { ForceLeaveResult, SetMetaError, SetMetaResult } from './member-events.js';
export { indexById } from './sorted-members.js';

export interface LocalMemberInit {
  readonly id: NodeId;
  readonly addr: string;
  readonly zone: string;
  readonly meta: MemberMeta;
}

export interface MemberTableInit {
  readonly local: LocalMemberInit;
  /**
   * Our starting incarnation. memberlist starts every process at 1 (nextIncarnation from 0); a restarted
   * node that the cluster still remembers at a higher incarnation is pushed past it by refutation.
   */
  readonly incarnation?: number;
  readonly nowMs: number;
  /** memberlist `DeadNodeReclaimTime` (MembershipConfig.deadNodeReclaimTimeMs); 0 = never. */
  readonly deadNodeReclaimTimeMs: number;
}

const utf8 = new TextEncoder();

/** Bytes the metadata costs on the wire: UTF-8 keys plus values, as the wire layer's limit counts it. */
export function metaSizeBytes(meta: MemberMeta): number {
  let n = 0;
  for (const [k, v] of Object.entries(meta)) n += utf8.encode(k).length + utf8.encode(v).length;
  return n;
}

function isDeadOrLeft(state: MemberState): boolean {
  return state === 'dead' || state === 'left';
}

function ignored(reason: IgnoredReason, message: MembershipMessage): MemberTableAction[] {
  return [{ type: 'ignored', reason, message }];
}

export class MemberTable {
  readonly localId: NodeId;
  private readonly deadNodeReclaimTimeMs: number;
  /** Every member, ourselves included, sorted by id (sorted-members.ts says why an array). */
  private readonly store = new SortedMembers();
  private me: Member;
  /** memberlist `m.leave`: set by leave(), never cleared (a left node must restart to rejoin). */
  private leaving = false;

  constructor(init: MemberTableInit) {
    const incarnation = init.incarnation ?? 1;
    if (!(Number.isSafeInteger(incarnation) && incarnation >= 0)) {
      throw new RangeError(`incarnation must be a non-negative safe integer, got ${incarnation}`);
    }
    this.localId = init.local.id;
    this.deadNodeReclaimTimeMs = init.deadNodeReclaimTimeMs;
    const { id, addr, zone, meta } = init.local;
    this.me = { id, addr, zone, meta, incarnation, state: 'alive' };
    this.put(this.me, init.nowMs);
  }

  get(id: NodeId): Member | undefined {
    return this.store.get(id);
  }

  /** When `id`'s state last changed, in the caller's time (drives reaping and dead-name reclaim). */
  stateChangeMs(id: NodeId): number | undefined {
    return this.store.sinceMs(id);
  }

  /** The local node's own record. */
  local(): Member {
    return this.me;
  }

  localIncarnation(): number {
    return this.local().incarnation;
  }

  /** True once leave() ran. */
  hasLeft(): boolean {
    return this.leaving;
  }

  /** Every member (self included, dead and left too, until reaped), sorted by id. */
  members(): readonly Member[] {
    return this.store.all();
  }

  /** Members known in any state: memberlist's `estNumNodes`, the n of the suspicion and retransmit formulas. */
  size(): number {
    return this.store.size;
  }

  aliveCount(): number {
    return this.countByState().alive;
  }

  countByState(): Readonly<Record<MemberState, number>> {
    return this.store.countByState();
  }

  /**
   * Members worth probing, sorted by id: not ourselves, not dead or left (memberlist probe skips those;
   * suspects are still probed, that is how a live suspect gets a chance to answer). The driver shuffles.
   */
  probeTargets(): readonly NodeId[] {
    return this.members()
      .filter((m) => m.id !== this.localId && !isDeadOrLeft(m.state))
      .map((m) => m.id);
  }

  /** Our whole view for a push/pull exchange (memberlist sends dead and left members too). */
  localState(): readonly RemoteMemberState[] {
    return this.members();
  }

  checksum(): string {
    return this.store.checksum();
  }

  /** The alive message the local node announces itself with (join, or the first gossip after start). */
  localAlive(): AliveMessage {
    const me = this.local();
    return {
      type: 'alive',
      id: me.id,
      incarnation: me.incarnation,
      addr: me.addr,
      zone: me.zone,
      meta: me.meta,
    };
  }

  /** Applies one gossiped message. */
  handle(message: MembershipMessage, nowMs: number): readonly MemberTableAction[] {
    switch (message.type) {
      case 'alive':
        return this.aliveNode(message, nowMs, false);
      case 'suspect':
        return this.suspectNode(message, nowMs);
      case 'dead':
        return this.deadNode(message, nowMs);
    }
  }

  /**
   * Merges a push/pull peer's view (memberlist `mergeState`). A remote `dead` becomes a suspicion from us
   * rather than an instant death, so a node the peer wrongly gave up on still gets time to refute; a
   * remote `left` is a graceful leave and is applied as such.
   */
  mergeRemoteState(states: readonly RemoteMemberState[], nowMs: number): readonly MemberTableAction[] {
    const actions: MemberTableAction[] = [];
    for (const r of states) {
      // Most of a push/pull is news we already have; aliveNode would ignore it as stale (same address,
      // not a newer incarnation), so skip it here without building a message and an action per member.
      const existing = r.state === 'alive' ? this.get(r.id) : undefined;
      if (
        existing !== undefined &&
        r.id !== this.localId &&
        r.incarnation <= existing.incarnation &&
        r.addr === existing.addr
      )
        continue;
      actions.push(...this.handle(remoteNews(r, this.localId), nowMs));
    }
    return actions;
  }

  /**
   * Adopts `states` as they are, with state-change time `nowMs`, producing no actions: a snapshot of a
   * converged view (MembershipInit.knownMembers), not news. Our own entry in it is skipped: only we speak
   * for ourselves. Members already known are left alone.
   */
  restore(states: readonly RemoteMemberState[], nowMs: number): void {
    this.store.addAll(
      states.filter((r) => r.id !== this.localId && this.get(r.id) === undefined),
      nowMs,
    );
  }

  /**
   * The driver's suspicion timer for `id`, started at `incarnation`, ran out: declare it dead from us
   * (memberlist suspectTimeout). Stale timers (the member refuted or died meanwhile) change nothing.
   */
  suspicionExpired(id: NodeId, incarnation: number, nowMs: number): readonly MemberTableAction[] {
    const dead: DeadMessage = { type: 'dead', id, incarnation, from: this.localId };
    const m = this.get(id);
    if (m === undefined || m.state !== 'suspect' || m.incarnation !== incarnation) {
      return ignored('suspicion-outdated', dead);
    }
    return this.deadNode(dead, nowMs);
  }

  /**
   * Graceful leave (memberlist Leave): mark ourselves `left` and gossip a dead-about-self, which every
   * receiver applies as `left`. The broadcast carries `leave: true` so the driver can wait for it to be
   * sent before shutting down. Idempotent.
   */
  leave(nowMs: number): readonly MemberTableAction[] {
    if (this.leaving) return [];
    this.leaving = true;
    const me = this.local();
    return this.deadNode({ type: 'dead', id: me.id, incarnation: me.incarnation, from: me.id }, nowMs);
  }

  /**
   * An operator's force-leave (Serf RemoveFailedNode, `consul force-leave`): a member we hold dead becomes
   * `left`, and the leave is gossiped so every node drops it (and the store moves its partitions). Only
   * dead members qualify; a live one would refute the leave at once.
   */
  forceLeave(id: NodeId, nowMs: number): ForceLeaveResult {
    const m = this.get(id);
    if (m === undefined || id === this.localId) return { ok: false, error: 'unknown-member' };
    if (m.state !== 'dead') return { ok: false, error: m.state === 'left' ? 'already-left' : 'not-failed' };
    return {
      ok: true,
      actions: this.deadNode({ type: 'dead', id, incarnation: m.incarnation, from: id }, nowMs),
    };
  }

  /**
   * Replaces our metadata and spreads it as an alive with a higher incarnation (memberlist UpdateNode):
   * receivers only accept news at a newer incarnation.
   */
  setLocalMeta(meta: MemberMeta, maxMetaBytes: number, nowMs: number): SetMetaResult {
    const sizeBytes = metaSizeBytes(meta);
    if (sizeBytes > maxMetaBytes) {
      return { ok: false, error: { type: 'meta-too-large', sizeBytes, maxBytes: maxMetaBytes } };
    }
    if (this.leaving) return { ok: false, error: { type: 'left' } };
    const me = this.local();
    const alive: AliveMessage = { ...this.localAlive(), incarnation: me.incarnation + 1, meta };
    return { ok: true, actions: this.aliveNode(alive, nowMs, true) };
  }

  /**
   * Forgets dead members older than `deadReapTimeoutMs` and left ones older than `leftReapTimeoutMs`
   * (Serf's reaper: memberlist itself keeps them forever). Never reaps ourselves. Returns the removed ids.
   */
  reap(nowMs: number, deadReapTimeoutMs: number, leftReapTimeoutMs: number): readonly NodeId[] {
    const removed = this.store.expired(nowMs, (m) => {
      if (m.id === this.localId) return undefined;
      return m.state === 'dead' ? deadReapTimeoutMs : m.state === 'left' ? leftReapTimeoutMs : undefined;
    });
    for (const id of removed) this.store.remove(id);
    return removed;
  }

  /** Stores `m` (see SortedMembers.put), keeping `me` the stored record of ourselves. */
  private put(m: Member, sinceMs: number | undefined): Member {
    const record = this.store.put(m, sinceMs);
    if (m.id === this.localId) this.me = record;
    return record;
  }

  /** memberlist aliveNode. `bootstrap` marks our own alive (start, metadata update): applied, not refuted. */
  private aliveNode(a: AliveMessage, nowMs: number, bootstrap: boolean): MemberTableAction[] {
    const isLocal = a.id === this.localId;
    // A queued alive about us processed during leave() must not make us rejoin.
    if (isLocal && this.leaving) return ignored('leaving', a);

    const existing = this.get(a.id);
    if (existing === undefined) {
      // A new member is accepted at any incarnation. (memberlist inserts a dead placeholder and then
      // applies the usual "newer only" check, which silently drops a newcomer at incarnation 0.)
      const member = this.put(aliveMember(a), nowMs);
      return [
        { type: 'broadcast', key: a.id, message: a, member },
        { type: 'event', kind: 'join', member },
      ];
    }

    let reclaims = false;
    if (existing.addr !== a.addr) {
      // A name whose owner left, or died long enough ago, may be taken over by a new address (a node
      // restarted elsewhere); otherwise two live processes claim one name, which only an operator can fix.
      const canReclaim =
        this.deadNodeReclaimTimeMs > 0 &&
        nowMs - (this.stateChangeMs(a.id) as number) > this.deadNodeReclaimTimeMs;
      if (existing.state === 'left' || (existing.state === 'dead' && canReclaim)) {
        reclaims = true;
      } else {
        return [{ type: 'conflict', existing, other: a }, ...ignored('address-conflict', a)];
      }
    }

    // Only news at a newer incarnation counts; a reclaim is a new process whose counter restarted. About
    // ourselves an equal incarnation still matters: a restart may reuse it with other metadata.
    if (!isLocal && a.incarnation <= existing.incarnation && !reclaims)
      return ignored('stale-incarnation', a);
    if (isLocal && a.incarnation < existing.incarnation) return ignored('stale-incarnation', a);

    const actions: MemberTableAction[] = [];
    if (existing.state === 'suspect') actions.push({ type: 'stop-suspicion', id: a.id });

    if (isLocal && !bootstrap) {
      if (a.incarnation === existing.incarnation && sameAnnouncement(existing, a))
        return ignored('no-change', a);
      // Someone speaks for us with other data or a higher incarnation (an earlier life of this process,
      // or a name clash): out-bid it so the cluster ends up with what we actually say.
      actions.push(...this.refute(a));
      return actions;
    }

    const member = this.put(aliveMember(a), existing.state === 'alive' ? undefined : nowMs);
    actions.push({ type: 'broadcast', key: a.id, message: a, member });
    if (isDeadOrLeft(existing.state)) actions.push({ type: 'event', kind: 'join', member });
    else if (!sameAnnouncement(existing, a)) actions.push({ type: 'event', kind: 'update', member });
    return actions;
  }

  /** memberlist suspectNode. */
  private suspectNode(s: SuspectMessage, nowMs: number): MemberTableAction[] {
    const existing = this.get(s.id);
    if (existing === undefined) return ignored('unknown-member', s);
    if (s.incarnation < existing.incarnation) return ignored('stale-incarnation', s);

    // Already suspect: a suspicion timer runs, and another accuser only shortens it (Lifeguard §IV-B).
    // Like memberlist, this holds even at a higher incarnation; the incarnation is not raised.
    if (existing.state === 'suspect')
      return [{ type: 'confirm-suspicion', id: s.id, from: s.from, message: s }];
    if (existing.state !== 'alive') return ignored('not-alive', s);

    if (s.id === this.localId) return this.refute(s);

    this.put({ ...existing, incarnation: s.incarnation, state: 'suspect' }, nowMs);
    return [
      { type: 'broadcast', key: s.id, message: s },
      { type: 'start-suspicion', id: s.id, incarnation: s.incarnation, from: s.from },
    ];
  }

  /** memberlist deadNode; a dead whose sender is its subject is a graceful leave. */
  private deadNode(d: DeadMessage, nowMs: number): MemberTableAction[] {
    const existing = this.get(d.id);
    if (existing === undefined) return ignored('unknown-member', d);
    if (d.incarnation < existing.incarnation) return ignored('stale-incarnation', d);

    const actions: MemberTableAction[] = [];
    if (existing.state === 'suspect') actions.push({ type: 'stop-suspicion', id: d.id });
    const left = d.from === d.id;
    // A leave about a member we hold dead still applies (an operator's force-leave, or its own leave
    // arriving after our verdict): a dead member keeps its partitions, a left one gives them up. Serf
    // applies a leave intent to a failed member the same way; memberlist alone ignores it.
    if (existing.state === 'left' || (existing.state === 'dead' && !left))
      return [...actions, ...ignored('already-dead', d)];

    if (d.id === this.localId) {
      if (!this.leaving) return [...actions, ...this.refute(d)];
      actions.push({ type: 'broadcast', key: d.id, message: d, leave: true });
    } else {
      actions.push({ type: 'broadcast', key: d.id, message: d });
    }

    const member = this.put(
      { ...existing, incarnation: d.incarnation, state: left ? 'left' : 'dead' },
      nowMs,
    );
    actions.push({ type: 'event', kind: left ? 'leave' : 'fail', member });
    return actions;
  }

  /**
   * memberlist refute: out-bid the accusation's incarnation and gossip that we are alive. Having to
   * refute means others cannot hear us well, so our own health score worsens (Lifeguard §IV-A).
   */
  private refute(accusation: MembershipMessage): MemberTableAction[] {
    const me = this.local();
    const incarnation = Math.max(me.incarnation, accusation.incarnation) + 1;
    this.put({ ...me, incarnation }, undefined);
    return [
      { type: 'refute', incarnation, accusation },
      { type: 'broadcast', key: me.id, message: this.localAlive() },
      { type: 'awareness', delta: 1 },
    ];
  }
}

/**
 * The alive member `a` announces. A plain literal, not a spread of a partial object: it allocates once and
 * every member gets the same hidden class (this line was the hottest of aliveNode in the join storm, where
 * each of 1,000 tables inserts ~1,000 members).
 */
function aliveMember(a: AliveMessage): Member {
  return { id: a.id, addr: a.addr, zone: a.zone, meta: a.meta, incarnation: a.incarnation, state: 'alive' };
}

/** Same address, zone and metadata: nothing an EventDelegate would call an update. */
function sameAnnouncement(m: Member, a: AliveMessage): boolean {
  return m.addr === a.addr && m.zone === a.zone && metaEqual(m.meta, a.meta);
}

/**
 * What a push/pull peer's record of a member is news of (memberlist mergeState): its alive as an alive, a
 * leave as a leave, and a death or suspicion as our own suspicion (see mergeRemoteState).
 */
function remoteNews(r: RemoteMemberState, localId: NodeId): MembershipMessage {
  switch (r.state) {
    case 'alive':
      return {
        type: 'alive',
        id: r.id,
        incarnation: r.incarnation,
        addr: r.addr,
        zone: r.zone,
        meta: r.meta,
      };
    case 'left':
      return { type: 'dead', id: r.id, incarnation: r.incarnation, from: r.id };
    case 'dead':
    case 'suspect':
      return { type: 'suspect', id: r.id, incarnation: r.incarnation, from: localId };
  }
}
