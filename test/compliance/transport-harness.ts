import type { Address, Transport } from '../../src/transport/transport.js';

/**
 * What the transport contract suite (transport-contract.ts) needs from an implementation under test.
 * The same suite runs against real UDP/TCP sockets on 127.0.0.1 and against SimNetwork in virtual time:
 * the harness hides how time passes.
 */
export interface TransportHarness {
  /** Creates a bound, ready transport (its own address). Limits default to the implementation's defaults. */
  create(opts?: { maxPacketBytes?: number; maxFrameBytes?: number }): Promise<Transport>;
  /**
   * Lets time pass (real: polls with a short real wait; sim: runs the event queue) until `cond()` holds or
   * `budgetMs` of (real or virtual) time passes. Resolves to the final value of `cond()`.
   */
  waitUntil(cond: () => boolean, budgetMs: number): Promise<boolean>;
  /** Lets time pass until `p` settles, then resolves or rejects as `p` did. Rejects if `budgetMs` passes first. */
  settle<T>(p: Promise<T>, budgetMs: number): Promise<T>;
  /** An address where nothing listens (requests to it fail with `unreachable` or `timeout`). */
  deadAddress(): Promise<Address>;
  /** Closes everything the harness created. */
  teardown(): Promise<void>;
}
