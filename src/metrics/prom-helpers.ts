/**
 * Small guards shared by the prom-client implementations of each layer's metrics interface. They exist
 * because prom-client throws on a negative counter increment, and a metric must never crash the node.
 */

/** A value a counter or histogram can take: finite and not negative. */
export function isCountable(x: number): boolean {
  return Number.isFinite(x) && x >= 0;
}

const MS_PER_SECOND = 1000;

/** Prometheus convention is base units: durations in seconds. The runtime clock gives milliseconds. */
export function msToSeconds(ms: number): number {
  return ms / MS_PER_SECOND;
}

/** Value used once a label has seen `maxDistinct` values: keeps a misbehaving caller from exploding series. */
export const OVERFLOW_LABEL_VALUE = 'other';

/**
 * Caps the number of distinct values of a free-form label (drop reasons, stream kinds). The first
 * `maxDistinct` values pass through; later new ones become `other`. Interfaces ask callers for bounded
 * sets, this is only the backstop.
 */
export class BoundedLabel {
  readonly #seen = new Set<string>();

  constructor(readonly maxDistinct: number) {}

  value(raw: string): string {
    if (this.#seen.has(raw)) return raw;
    if (this.#seen.size >= this.maxDistinct) return OVERFLOW_LABEL_VALUE;
    this.#seen.add(raw);
    return raw;
  }
}
