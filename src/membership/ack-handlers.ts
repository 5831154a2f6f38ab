/**
 * Pending probes by sequence number (memberlist `ackHandlers`): an ack or nack for `seqNo` runs the
 * handler registered for it; an unanswered handler is removed when its deadline passes. Acks for unknown
 * or expired sequence numbers are ignored: late acks are normal under loss and delay.
 */
import type { Cancel, Scheduler } from '../runtime/scheduler.js';

export interface AckHandler {
  onAck(): void;
  onNack?(): void;
}

export class AckHandlers {
  private readonly pending = new Map<number, { handler: AckHandler; cancel: Cancel }>();

  constructor(private readonly scheduler: Scheduler) {}

  /** Registers `handler` for `seqNo` until it is acked or `timeoutMs` passes (then `onExpire` runs, if given). */
  add(seqNo: number, handler: AckHandler, timeoutMs: number, onExpire?: () => void): void {
    this.remove(seqNo);
    const cancel = this.scheduler.after(timeoutMs, () => {
      this.pending.delete(seqNo);
      onExpire?.();
    });
    this.pending.set(seqNo, { handler, cancel });
  }

  /** An ack ends the wait: the handler runs once and is removed. Returns whether anyone was waiting. */
  ack(seqNo: number): boolean {
    const p = this.pending.get(seqNo);
    if (p === undefined) return false;
    this.pending.delete(seqNo);
    p.cancel();
    p.handler.onAck();
    return true;
  }

  /** A nack is information, not an answer: the wait for an ack goes on (Lifeguard §4.3). */
  nack(seqNo: number): boolean {
    const p = this.pending.get(seqNo);
    if (p === undefined) return false;
    p.handler.onNack?.();
    return true;
  }

  remove(seqNo: number): void {
    const p = this.pending.get(seqNo);
    if (p === undefined) return;
    this.pending.delete(seqNo);
    p.cancel();
  }

  clear(): void {
    for (const p of this.pending.values()) p.cancel();
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
