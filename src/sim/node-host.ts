import type { VirtualClock, VirtualTime } from '../runtime/virtual.js';

/** What a host needs of its transport (the SimTransport), declared here so the two files do not import each other. */
export interface HostedTransport {
  readonly closed: boolean;
  kill(): void;
}

/** Lifecycle of a simulated process. */
export type NodeState = 'up' | 'paused' | 'crashed';

/** A request being handled by this node, so a crash can reset its connection (kill -9 sends RST). */
export interface InboundRequest {
  /** Sends a `closed` error back to the requester (the peer saw the connection reset). */
  readonly reset: () => void;
}

/**
 * The simulator's record of one address across crashes and restarts. Every node-local event (a timer, a packet
 * or request arriving, a response arriving) is a self-gating closure: it checks `epoch` (dropped if the node
 * crashed since it was scheduled) and `state` (held if the node is paused), so pause and crash need no scan of
 * the event queue.
 */
export class NodeHost {
  state: NodeState = 'up';
  /** Bumped by every crash and restart; events scheduled under an older epoch are dropped. */
  epoch = 0;
  /** How many times this address was (re)started. */
  incarnation = 0;
  transport: HostedTransport | null = null;
  clock: VirtualClock | null = null;
  /** Skew applied to this node's clock, kept across restarts (it is the machine's clock, not the process's). */
  offsetMs = 0;
  driftPpm = 0;
  /** Bumped by every pause, so a stale scheduled resume does not end a later pause. */
  pauseSeq = 0;
  readonly inbound = new Set<InboundRequest>();
  private held: (() => void)[] = [];
  private heldPackets = 0;

  constructor(
    readonly idx: number,
    readonly address: string,
    private readonly maxHeldPackets: number,
  ) {}

  /** Whether a packet or request arriving now finds a receiving transport. */
  get live(): boolean {
    return this.state !== 'crashed' && this.transport !== null && !this.transport.closed;
  }

  /**
   * Holds a self-gating event until the node wakes. Packets are bounded like a socket receive buffer;
   * returns false when a packet had to be dropped.
   */
  hold(ev: () => void, isPacket: boolean): boolean {
    if (isPacket) {
      if (this.heldPackets >= this.maxHeldPackets) return false;
      this.heldPackets++;
    }
    this.held.push(ev);
    return true;
  }

  /** Re-schedules everything held, in arrival order, at the current instant (they re-check their gates). */
  wake(time: VirtualTime): void {
    const held = this.held;
    this.held = [];
    this.heldPackets = 0;
    const now = time.now();
    for (const ev of held) time.at(now, ev);
  }

  dropHeld(): void {
    this.held = [];
    this.heldPackets = 0;
  }
}
