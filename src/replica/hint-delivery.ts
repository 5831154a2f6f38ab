import type { NodeId } from '../membership/member.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import { PeriodicTask } from '../runtime/periodic-task.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { HintStore } from './hints.js';
import type { ReplicaCaller } from './replica-client.js';

export interface HintDeliveryComponents {
  readonly hints: HintStore;
  readonly caller: ReplicaCaller;
  readonly scheduler: Scheduler;
  /** Whether the owner is up now (membership says alive or suspect). */
  readonly isUp: (node: NodeId) => boolean;
  /** Called with how many hints one pass delivered. */
  readonly delivered?: (count: number) => void;
  /** A hint that cannot be removed or a pass that failed (storage) is logged here at warn. */
  readonly logger?: Logger;
}

export interface HintDeliveryInit {
  readonly intervalMs: number;
  /** Most hints sent per owner per pass. */
  readonly batch: number;
  readonly timeoutMs: number;
}

/**
 * Hinted handoff's second half (Dynamo §4.6): every interval, offer each owner that is up again the hints
 * kept for it. The owner merges each (a DVV sync: idempotent, so a redelivery after a lost ack is harmless)
 * and only an acknowledged hint is removed — and only if no newer write was merged into it meanwhile.
 */
export class HintDelivery {
  readonly #c: HintDeliveryComponents;
  readonly #init: HintDeliveryInit;
  readonly #loop: PeriodicTask;
  #running = false;

  constructor(components: HintDeliveryComponents, init: HintDeliveryInit) {
    this.#c = components;
    this.#init = init;
    const log = components.logger ?? SILENT_LOGGER;
    this.#loop = new PeriodicTask(
      components.scheduler,
      init.intervalMs,
      () => this.deliverOnce(),
      (err) => log.warn({ err }, 'hint delivery pass failed'),
    );
  }

  start(): void {
    this.#loop.start();
  }

  stop(): void {
    this.#loop.stop();
  }

  /** One pass over every owner with hints; resolves to the number delivered. Passes never overlap. */
  async deliverOnce(): Promise<number> {
    if (this.#running) return 0;
    this.#running = true;
    let delivered = 0;
    try {
      for (const target of this.#c.hints.targets()) {
        if (!this.#c.isUp(target as NodeId)) continue;
        let sent = 0;
        for await (const hint of this.#c.hints.hintsFor(target)) {
          if (sent++ >= this.#init.batch) break;
          if (!hint.ok) {
            // Unreadable (counted when read): nothing to deliver, so drop it; anti-entropy covers the key.
            await this.#c.hints.removeHint(hint);
            continue;
          }
          const res = await this.#c.caller.call(
            target as NodeId,
            { op: 'merge', ns: hint.ns, key: hint.key, partition: hint.partition, set: hint.set },
            this.#init.timeoutMs,
          );
          if (res.kind !== 'found') break; // the owner is not taking writes: try again next pass
          const removed = await this.#c.hints.removeHint(hint);
          if (removed.ok && removed.value) delivered++;
          else if (!removed.ok) {
            // Delivered but kept: it is offered again next pass (a merge is idempotent).
            (this.#c.logger ?? SILENT_LOGGER).warn(
              { err: removed.error, target },
              'cannot remove a delivered hint',
            );
          }
        }
      }
    } finally {
      this.#running = false;
    }
    if (delivered > 0) this.#c.delivered?.(delivered);
    return delivered;
  }
}
