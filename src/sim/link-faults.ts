import { checkLatency, LAN_LATENCY, type LatencyModel } from './latency.js';

/** What a directed link (from → to) does to datagrams. Requests (the stream channel) only see `latency`. */
export interface LinkFaults {
  /** One-way delay distribution. */
  readonly latency: LatencyModel;
  /** Probability in [0, 1] that a datagram vanishes. */
  readonly loss: number;
  /** Probability in [0, 1] that a datagram is delivered twice (the copy gets its own latency draw). */
  readonly duplicate: number;
  /** Probability in [0, 1] that a datagram is held back by an extra uniform delay in [0, reorderDelayMs]. */
  readonly reorder: number;
  /** Upper bound of the extra reordering delay; a few latencies is enough to overtake later packets. */
  readonly reorderDelayMs: number;
}

/** A healthy LAN: small latency, no faults. */
export const HEALTHY_LINK: LinkFaults = {
  latency: LAN_LATENCY,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 10,
};

export function checkLinkFaults(f: Partial<LinkFaults>): void {
  for (const name of ['loss', 'duplicate', 'reorder'] as const) {
    const p = f[name];
    if (p !== undefined && !(p >= 0 && p <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${p}`);
  }
  if (f.reorderDelayMs !== undefined && !(Number.isFinite(f.reorderDelayMs) && f.reorderDelayMs >= 0)) {
    throw new RangeError(`reorderDelayMs must be a finite number ≥ 0, got ${f.reorderDelayMs}`);
  }
  if (f.latency !== undefined) checkLatency(f.latency);
}

/**
 * Link settings: one default for all links plus sparse per-link overrides. Overrides are stored partially and
 * resolved against the defaults eagerly, so a send is one integer-keyed lookup per source node (none at all
 * when the source has no overrides) and changing the defaults still reaches the fields a link did not override.
 */
export class LinkTable {
  private defaultFaults: LinkFaults;
  /** Per source node index: destination index → resolved faults. */
  private readonly resolved: (Map<number, LinkFaults> | undefined)[] = [];
  /** Per source node index: destination index → the override as given. */
  private readonly overrides: (Map<number, Partial<LinkFaults>> | undefined)[] = [];

  constructor(defaults: LinkFaults) {
    checkLinkFaults(defaults);
    this.defaultFaults = defaults;
  }

  get defaults(): LinkFaults {
    return this.defaultFaults;
  }

  /** Faults for from → to. Hot path: called once per datagram. */
  get(from: number, to: number): LinkFaults {
    const m = this.resolved[from];
    if (m === undefined) return this.defaultFaults;
    return m.get(to) ?? this.defaultFaults;
  }

  setDefaults(change: Partial<LinkFaults>): void {
    checkLinkFaults(change);
    this.defaultFaults = { ...this.defaultFaults, ...change };
    this.overrides.forEach((m, from) => {
      if (m === undefined) return;
      for (const [to, o] of m) this.resolved[from]?.set(to, { ...this.defaultFaults, ...o });
    });
  }

  /** Merges `change` into the override of from → to. */
  set(from: number, to: number, change: Partial<LinkFaults>): void {
    checkLinkFaults(change);
    let o = this.overrides[from];
    if (o === undefined) {
      o = new Map();
      this.overrides[from] = o;
    }
    let r = this.resolved[from];
    if (r === undefined) {
      r = new Map();
      this.resolved[from] = r;
    }
    const merged = { ...o.get(to), ...change };
    o.set(to, merged);
    r.set(to, { ...this.defaultFaults, ...merged });
  }

  /** Drops the override of from → to: the link follows the defaults again. */
  clear(from: number, to: number): void {
    this.overrides[from]?.delete(to);
    this.resolved[from]?.delete(to);
  }

  clearAll(): void {
    this.overrides.length = 0;
    this.resolved.length = 0;
  }
}
