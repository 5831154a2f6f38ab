/**
 * The running Lifeguard suspicion timer of each suspected member (memberlist keeps one `suspicion` per
 * nodeState). The member table says when a suspicion starts, is confirmed or stops; this holds the timers,
 * sized for the current cluster, and reports the ones that run out.
 */
import type { Clock } from '../runtime/clock.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { NodeId } from './member.js';
import { Suspicion } from './suspicion.js';
import { suspicionConfirmationsNeeded, suspicionTimeoutMs } from './timing.js';

export interface SuspicionTimersComponents {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Current cluster size (memberlist estNumNodes): the n of the timeout formulas. */
  readonly numNodes: () => number;
  /** The suspicion of `id` at `incarnation` ran out: time to ask the member table whether it is dead. */
  readonly expired: (id: NodeId, incarnation: number) => void;
}

export interface SuspicionTimersInit {
  readonly suspicionMult: number;
  readonly suspicionMaxTimeoutMult: number;
  readonly probeIntervalMs: number;
}

export class SuspicionTimers {
  private readonly c: SuspicionTimersComponents;
  private readonly init: SuspicionTimersInit;
  private readonly running = new Map<NodeId, Suspicion>();

  constructor(components: SuspicionTimersComponents, init: SuspicionTimersInit) {
    this.c = components;
    this.init = init;
  }

  /** Lifeguard dynamic suspicion: long with one accuser, shorter with each independent confirmation. */
  start(id: NodeId, incarnation: number, from: NodeId): void {
    this.running.get(id)?.stop();
    const { suspicionMult, suspicionMaxTimeoutMult, probeIntervalMs } = this.init;
    const n = this.c.numNodes();
    const minMs = suspicionTimeoutMs(suspicionMult, n, probeIntervalMs);
    const s = new Suspicion(
      { scheduler: this.c.scheduler, clock: this.c.clock },
      {
        from,
        k: suspicionConfirmationsNeeded(suspicionMult, n),
        minMs,
        maxMs: suspicionMaxTimeoutMult * minMs,
        onTimeout: () => {
          if (this.running.get(id) === s) this.running.delete(id);
          this.c.expired(id, incarnation);
        },
      },
    );
    this.running.set(id, s);
  }

  /** Counts `from` as a confirmation; true when it was new (memberlist re-gossips only those). */
  confirm(id: NodeId, from: NodeId): boolean {
    return this.running.get(id)?.confirm(from) === true;
  }

  stop(id: NodeId): void {
    this.running.get(id)?.stop();
    this.running.delete(id);
  }

  stopAll(): void {
    for (const s of this.running.values()) s.stop();
    this.running.clear();
  }
}
