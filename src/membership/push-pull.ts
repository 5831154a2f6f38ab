/**
 * Push/pull anti-entropy (memberlist `state.go` pushPull/pushPullNode, `net.go` handleConn): every
 * PushPullInterval, scaled by cluster size, exchange the whole member table with one random live member over
 * the stream channel, and merge what comes back. Also how a node joins (join = true) and how Serf's
 * reconnect reaches a member we think is dead. Rumors reach everyone fast; this catches what they missed.
 */

import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import { type Address, type Transport, TransportError } from '../transport/transport.js';
import { encodePushPullMessage, type PushPull } from '../wire/index.js';
import type { MemberTableAction } from './member-events.js';
import type { MemberTable } from './member-table.js';
import type { MembershipMetrics } from './membership-metrics.js';
import type { PacketIO } from './packet-io.js';
import type { TimerSet } from './timer-set.js';
import { pushPullScaleMs } from './timing.js';
import { encodedPushNodeState, fromPushNodeState } from './wire-mapping.js';

/** hearsay has no push/pull user state (Serf's delegate state); the field stays empty. */
const NO_USER_STATE = new Uint8Array(0);

export interface PushPullComponents {
  readonly clock: Clock;
  readonly random: Random;
  readonly transport: Transport;
  readonly timers: TimerSet;
  readonly table: MemberTable;
  readonly packets: PacketIO;
  readonly metrics: MembershipMetrics;
  /** Performs the member table's actions after a merge (the façade's interpreter). */
  readonly apply: (actions: readonly MemberTableAction[]) => void;
}

export interface PushPullInit {
  /** memberlist `PushPullInterval`; the loop runs only when it is positive. */
  readonly pushPullIntervalMs: number;
  /** memberlist `TCPTimeout`: how long one exchange may take. */
  readonly tcpTimeoutMs: number;
}

export class PushPullSync {
  private readonly c: PushPullComponents;
  private readonly init: PushPullInit;
  private stopped = false;

  constructor(components: PushPullComponents, init: PushPullInit) {
    this.c = components;
    this.init = init;
  }

  /** Arms the periodic exchange. */
  start(): void {
    this.schedule();
  }

  /** Exchanges still in flight finish, but their answers are no longer merged. */
  stop(): void {
    this.stopped = true;
  }

  /** One exchange with `addr`. Resolves to null on success, or why it failed. */
  async exchange(addr: Address, join: boolean): Promise<string | null> {
    const { clock, metrics } = this.c;
    const started = clock.now();
    try {
      const response = await this.c.transport.request(addr, this.encode(join), this.init.tcpTimeoutMs);
      const remote = this.decode(response);
      if (typeof remote === 'string') throw new Error(remote);
      if (!this.stopped) this.merge(remote);
      metrics.pushPull('initiated', 'ok');
      metrics.pushPullDurationMs(clock.now() - started);
      return null;
    } catch (err) {
      metrics.pushPull('initiated', 'error');
      return err instanceof TransportError ? `${err.code}: ${err.message}` : (err as Error).message;
    }
  }

  /** Answers a remote exchange with our state, then merges theirs. */
  answer(from: Address, request: Uint8Array): Uint8Array {
    const remote = this.decode(request);
    if (typeof remote === 'string') {
      this.c.metrics.pushPull('received', 'error');
      throw new Error(`bad push/pull request from ${from}: ${remote}`);
    }
    // memberlist sends its own state before merging the remote one, so both sides exchange the same snapshot.
    const response = this.encode(false);
    this.merge(remote);
    this.c.metrics.pushPull('received', 'ok');
    return response;
  }

  private schedule(): void {
    const every = pushPullScaleMs(this.init.pushPullIntervalMs, this.c.table.size());
    const delay = every / 2 + this.c.random.next() * every; // jittered around the interval
    this.c.timers.after(delay, () => {
      if (this.stopped) return;
      const { table } = this.c;
      const peers = table.members().filter((m) => m.id !== table.localId && m.state === 'alive');
      const peer = this.c.random.pick(1, peers)[0];
      if (peer !== undefined) void this.exchange(peer.addr, false);
      this.schedule();
    });
  }

  private merge(remote: PushPull): void {
    this.c.apply(this.c.table.mergeRemoteState(remote.nodes.map(fromPushNodeState), this.c.clock.now()));
  }

  private encode(join: boolean): Uint8Array {
    const { versions } = this.c.packets;
    const nodes = this.c.table.localState().map((m) => encodedPushNodeState(m, versions));
    return this.c.packets.sealFrame([encodePushPullMessage(join, nodes, NO_USER_STATE)]);
  }

  /** The one push/pull message of a frame, or why the frame was refused. */
  private decode(sealed: Uint8Array): PushPull | string {
    const frame = this.c.packets.openFrame(sealed);
    if (!frame.ok) return frame.reason;
    const m = frame.messages[0];
    if (frame.messages.length !== 1 || m?.type !== 'pushPull') return 'expected one push/pull message';
    return m;
  }
}
