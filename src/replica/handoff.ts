import type { NodeId } from '../membership/member.js';
import type { PartitionId } from '../ring/partition.js';
import type { Ring } from '../ring/ring.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import { PeriodicTask } from '../runtime/periodic-task.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { Namespace } from '../storage/storage.js';
import type { Replica } from './replica.js';
import type { ReplicaCaller } from './replica-client.js';

export interface HandoffComponents {
  readonly replica: Replica;
  readonly caller: ReplicaCaller;
  readonly scheduler: Scheduler;
  /** The ring now (owners of every partition over the current owner set). */
  readonly ring: () => Ring;
  readonly isUp: (node: NodeId) => boolean;
  /** N of a namespace. */
  readonly replicas: (ns: Namespace) => number;
  /** Switch the replica to a fresh id before deleting keys it coordinated under the current one. */
  readonly renewId: () => Promise<void>;
  readonly moved?: (count: number) => void;
  /** Namespaces every node holds (the global one): never handed off. */
  readonly everywhere?: ReadonlySet<Namespace>;
  /** A pass that failed or a key that could not be deleted after its handoff (storage) is logged here at warn. */
  readonly logger?: Logger;
}

export interface HandoffInit {
  readonly self: NodeId;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface HandoffResult {
  /** Keys handed to all their owners and deleted here. */
  readonly moved: number;
  /** Keys held here without owning them that stay for now (an owner down or refusing, or changed meanwhile). */
  readonly kept: number;
}

/**
 * Ownership handoff (riak_core's handoff, DESIGN.md §6): when the owner set changes — a member joins, or
 * leaves — some partitions get new primaries. A node holding keys of a partition it no longer owns sends each
 * key to every current primary (a DVV merge, idempotent) and deletes it only once all of them acknowledged
 * and the key did not change meanwhile. A leaving node does the same against the ring without itself
 * (`drain`) before it leaves, so its data is in place when the others drop it from their rings.
 *
 * Failures do not move ownership (placement.ts), so a crash never triggers handoff; hints cover those.
 */
export class Handoff {
  readonly #c: HandoffComponents;
  readonly #init: HandoffInit;
  readonly #loop: PeriodicTask;
  /** The pass in progress, if any: passes never overlap. */
  #current: Promise<HandoffResult> | undefined;

  constructor(components: HandoffComponents, init: HandoffInit) {
    this.#c = components;
    this.#init = init;
    const log = components.logger ?? SILENT_LOGGER;
    this.#loop = new PeriodicTask(
      components.scheduler,
      init.intervalMs,
      () => this.handoffOnce(),
      (err) => log.warn({ err }, 'handoff pass failed'),
    );
  }

  start(): void {
    this.#loop.start();
  }

  stop(): void {
    this.#loop.stop();
  }

  /**
   * One pass over every partition this node holds but does not own. If a pass is already running, resolves
   * with that pass's result instead of starting another.
   */
  handoffOnce(): Promise<HandoffResult> {
    return this.#current ?? this.#run(() => this.#pass(this.#c.ring(), false));
  }

  /** Before leaving: hand every key to its owners in `ringWithoutSelf` (owners must be up), after any running pass. */
  async drain(ringWithoutSelf: Ring): Promise<HandoffResult> {
    while (this.#current !== undefined) await this.#current;
    return this.#run(() => this.#pass(ringWithoutSelf, true));
  }

  #run(fn: () => Promise<HandoffResult>): Promise<HandoffResult> {
    const p = fn().finally(() => {
      if (this.#current === p) this.#current = undefined;
    });
    this.#current = p;
    return p;
  }

  async #pass(ring: Ring, everything: boolean): Promise<HandoffResult> {
    const { replica } = this.#c;
    let moved = 0;
    let kept = 0;
    let renewed = false;
    for (const ns of replica.namespaces()) {
      // Every node holds these (the global namespace): they are never handed off.
      if (this.#c.everywhere?.has(ns) === true) continue;
      const n = this.#c.replicas(ns);
      for (const p of replica.index.partitions(ns)) {
        const partition = p as PartitionId;
        const owners = ring.owners(partition, n);
        if (!everything && owners.includes(this.#init.self)) continue;
        const targets = owners.filter((o) => o !== this.#init.self);
        const reachable = targets.length > 0 && targets.every((o) => this.#c.isUp(o));
        const movedBefore = moved;
        for await (const entry of replica.iteratePartition(ns, partition)) {
          if (!entry.ok || !reachable) {
            kept++;
            continue;
          }
          const replies = await Promise.all(
            targets.map((o) =>
              this.#c.caller.call(
                o,
                { op: 'merge', ns, key: entry.key, partition, set: entry.set },
                this.#init.timeoutMs,
              ),
            ),
          );
          if (!replies.every((r) => r.kind === 'found')) {
            kept++;
            continue;
          }
          // Deleting a key this replica coordinated forgets its highest counter for it: mint under a new id.
          if (!renewed && entry.set.entries.some((e) => e.id === replica.localId)) {
            await this.#c.renewId();
            renewed = true;
          }
          const r = await replica.removeIfUnchanged(ns, entry.key, partition, entry.set);
          if (r.ok && r.value) moved++;
          else kept++;
          if (!r.ok)
            (this.#c.logger ?? SILENT_LOGGER).warn(
              { err: r.error, ns, partition },
              'cannot delete a handed-off key',
            );
        }
        // A partition handed off entirely holds nothing here now: unlist it (storage is checked first).
        if (moved > movedBefore) await replica.index.forgetIfEmpty(ns, partition);
      }
    }
    if (moved > 0) this.#c.moved?.(moved);
    return { moved, kept };
  }
}
