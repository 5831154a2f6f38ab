/**
 * Serf-style user events over the membership gossip: a Lamport clock orders a node's events after every
 * event it has seen, and a bounded memory of recent events makes redelivery (the same rumor arriving on
 * several paths) idempotent. Delivery is at-least-once per node within the memory window.
 */
import type { UserEvent } from '../wire/index.js';

export class UserEventLog {
  private ltime = 0;
  private readonly seen = new Set<string>();

  /** @param capacity events remembered for de-duplication; older ones may be delivered again. */
  constructor(private readonly capacity = 1024) {}

  /** A new event of ours, stamped after everything we have witnessed. */
  create(name: string, payload: Uint8Array): UserEvent {
    this.ltime++;
    return { type: 'userEvent', ltime: this.ltime, name, payload, coalesce: false };
  }

  /** Records `ev`; false when it was already seen (do not deliver or re-gossip it again). */
  witness(ev: UserEvent): boolean {
    const key = `${ev.ltime}\u0000${ev.name}\u0000${Buffer.from(ev.payload).toString('base64')}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value as string;
      this.seen.delete(oldest);
    }
    // Lamport clock: our next event orders after this one.
    if (ev.ltime > this.ltime) this.ltime = ev.ltime;
    return true;
  }
}
