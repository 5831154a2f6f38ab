/**
 * What goes into and comes out of the member table (`member-table.ts`): domain messages about members
 * (memberlist's alive/suspect/dead, decoded and validated by the wire layer, then mapped here) and the
 * actions the pure core asks its driver to perform. Kept apart from the wire types on purpose: the core
 * never sees ports, version vectors or protobuf shapes, so its rules read like memberlist's `state.go`.
 */
import type { MemberState, NodeId } from './member.js';

/** A member's small string map (memberlist `Node.Meta`, capped by `maxMetaBytes`). */
export type MemberMeta = Readonly<Record<string, string>>;

/**
 * What the cluster says about one member, the local node included: the same on every node that heard the
 * same news. Replaced, never mutated, and shared (member-records.ts): equal records are one instance. When
 * its state last changed is per node and lives in the member table (`MemberTable.stateChangeMs`).
 */
export interface Member {
  readonly id: NodeId;
  /** `host:port`, as the transport addresses it. */
  readonly addr: string;
  /** '' when the member has no zone. */
  readonly zone: string;
  readonly meta: MemberMeta;
  readonly incarnation: number;
  readonly state: MemberState;
}

/** "This member is alive at this incarnation" (memberlist `alive`); also how metadata changes spread. */
export interface AliveMessage {
  readonly type: 'alive';
  readonly id: NodeId;
  readonly incarnation: number;
  readonly addr: string;
  readonly zone: string;
  readonly meta: MemberMeta;
}

/** `from` suspects `id` at `incarnation` (memberlist `suspect`). */
export interface SuspectMessage {
  readonly type: 'suspect';
  readonly id: NodeId;
  readonly incarnation: number;
  readonly from: NodeId;
}

/** `from` declares `id` dead at `incarnation`; `from === id` is a graceful leave (memberlist `dead`). */
export interface DeadMessage {
  readonly type: 'dead';
  readonly id: NodeId;
  readonly incarnation: number;
  readonly from: NodeId;
}

export type MembershipMessage = AliveMessage | SuspectMessage | DeadMessage;

/** One member as another node reported it in a push/pull exchange (memberlist `pushNodeState`). */
export type RemoteMemberState = Member;

/** memberlist EventDelegate: NotifyJoin, NotifyUpdate, and NotifyLeave split into a graceful leave and a failure. */
export type MemberEventKind = 'join' | 'leave' | 'fail' | 'update';

/** Why a message changed nothing, for counters and debug logs. */
export type IgnoredReason =
  /** suspect/dead about a member we have never heard of (memberlist ignores these too). */
  | 'unknown-member'
  /** Older incarnation than ours (for alive: not newer). */
  | 'stale-incarnation'
  /** suspect about a member that is dead or left. */
  | 'not-alive'
  /** dead about a member that is already dead or left. */
  | 'already-dead'
  /** alive with another address for a member that still holds its name (see the `conflict` action). */
  | 'address-conflict'
  /** alive about ourselves while we are leaving: it must not make us rejoin. */
  | 'leaving'
  /** alive about ourselves that matches what we already say. */
  | 'no-change'
  /** A suspicion timer fired for a member that is no longer suspect at that incarnation. */
  | 'suspicion-outdated';

export type MemberTableAction =
  /**
   * Gossip `message` (piggyback + gossip round), replacing any queued broadcast with the same key.
   * `leave` marks the local node's own `left` broadcast: a graceful leave waits until it has been sent.
   */
  | {
      readonly type: 'broadcast';
      readonly key: NodeId;
      readonly message: MembershipMessage;
      readonly leave?: true;
      /** The record an `alive` message announces (same fields), so the driver can reuse its encoding. */
      readonly member?: Member;
    }
  /**
   * We refuted an accusation about ourselves: our incarnation is now `incarnation` (> the accusation's),
   * and the matching alive is in a separate `broadcast` action. For logs and metrics.
   */
  | { readonly type: 'refute'; readonly incarnation: number; readonly accusation: MembershipMessage }
  /** Start a Lifeguard suspicion timer (`Suspicion`) for `id`; on expiry call `suspicionExpired`. */
  | {
      readonly type: 'start-suspicion';
      readonly id: NodeId;
      readonly incarnation: number;
      readonly from: NodeId;
    }
  /**
   * Count `from` as a confirmation of the running suspicion of `id`; when `Suspicion.confirm` says it was
   * new, re-broadcast `message` (memberlist only re-gossips confirmations that shortened the timer).
   */
  | {
      readonly type: 'confirm-suspicion';
      readonly id: NodeId;
      readonly from: NodeId;
      readonly message: SuspectMessage;
    }
  /** Cancel the suspicion timer of `id` (it refuted, or was declared dead). */
  | { readonly type: 'stop-suspicion'; readonly id: NodeId }
  /** For the layers above (ring, store): memberlist EventDelegate. */
  | { readonly type: 'event'; readonly kind: MemberEventKind; readonly member: Member }
  /** Adjust Lifeguard's local health score (`Awareness.applyDelta`). */
  | { readonly type: 'awareness'; readonly delta: number }
  /** Two nodes claim one name from different addresses (memberlist ConflictDelegate.NotifyConflict). */
  | { readonly type: 'conflict'; readonly existing: Member; readonly other: AliveMessage }
  | { readonly type: 'ignored'; readonly reason: IgnoredReason; readonly message: MembershipMessage };

/** MemberTable.setLocalMeta: the actions spreading the new metadata, or why it was refused. */
export type SetMetaResult =
  | { readonly ok: true; readonly actions: readonly MemberTableAction[] }
  | { readonly ok: false; readonly error: SetMetaError };

export type SetMetaError =
  | { readonly type: 'meta-too-large'; readonly sizeBytes: number; readonly maxBytes: number }
  /** After leave() we no longer speak for ourselves: an alive would make us rejoin. */
  | { readonly type: 'left' };

/** MemberTable.forceLeave: the actions gossiping the leave, or why the member does not qualify. */
export type ForceLeaveResult =
  | { readonly ok: true; readonly actions: readonly MemberTableAction[] }
  | { readonly ok: false; readonly error: 'unknown-member' | 'not-failed' | 'already-left' };
