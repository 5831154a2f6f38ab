import type { FaultRunReport } from './fault-run.js';

/** Why a fault run failed, or undefined when every invariant held. */
export function failureOf(r: FaultRunReport): string | undefined {
  if (r.errors.length > 0) return `errors: ${r.errors.join('; ')}`;
  if (r.sets.lost.length > 0) return `acknowledged writes lost: ${r.sets.lost.join(', ')}`;
  if (r.sets.diverged.length > 0) return `replicas diverged: ${r.sets.diverged.join(', ')}`;
  if (r.lin.result !== 'ok') return `strict history ${r.lin.result}: ${r.lin.explanation ?? ''}`;
  if (r.hot.result !== 'ok') return `strict one-key history ${r.hot.result}: ${r.hot.explanation ?? ''}`;
  return undefined;
}
