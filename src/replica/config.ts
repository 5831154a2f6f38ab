import { ConfigProblems } from '../runtime/config-problems.js';

/** Hint delivery (hint-delivery.ts): the store config's `hints` section. */
export interface HintDeliveryConfig {
  /** How often hints are offered to their owners when those are up (Riak's handoff check). */
  readonly intervalMs: number;
  /** Most hints delivered per owner per interval, so a returning node is not flooded. */
  readonly batch: number;
}

/** Ownership handoff (handoff.ts): the store config's `handoff` section. */
export interface HandoffConfig {
  /**
   * How often a node looks for keys of partitions it no longer owns (after a join or a leave) and hands them
   * to their owners. Each pass walks every partition's key range, so not much lower than a few seconds.
   */
  readonly intervalMs: number;
}

export function defaultHintDeliveryConfig(): HintDeliveryConfig {
  return { intervalMs: 2000, batch: 256 };
}

export function defaultHandoffConfig(): HandoffConfig {
  return { intervalMs: 10_000 };
}

export function hintDeliveryConfigErrors(c: HintDeliveryConfig, prefix = 'hints.'): readonly string[] {
  const p = new ConfigProblems(prefix);
  p.int('intervalMs', c.intervalMs, 1);
  p.int('batch', c.batch, 1);
  return p.list;
}

export function handoffConfigErrors(c: HandoffConfig, prefix = 'handoff.'): readonly string[] {
  const p = new ConfigProblems(prefix);
  p.int('intervalMs', c.intervalMs, 1);
  return p.list;
}
