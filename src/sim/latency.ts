import type { Random } from '../runtime/random.js';

/**
 * One-way delay distributions for a simulated link, in virtual ms. Every model except `constant` and
 * `uniform` takes a floor `minMs` (propagation delay): real networks never deliver faster than light, and
 * the tail above the floor is what queueing adds (TigerBeetle's packet simulator uses an exponential tail).
 */
export type LatencyModel =
  | { readonly kind: 'constant'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** Gaussian via Box–Muller, clamped below at `minMs` (default 0): LAN jitter around a mean. */
  | { readonly kind: 'normal'; readonly meanMs: number; readonly stdDevMs: number; readonly minMs?: number }
  /** `minMs` + Exp(mean = `meanMs`): memoryless queueing delay on top of propagation. */
  | { readonly kind: 'exponential'; readonly meanMs: number; readonly minMs?: number }
  /** `minMs` + LogNormal(median = `medianMs`, shape σ = `sigma`): heavy-tailed WAN delay. */
  | {
      readonly kind: 'logNormal';
      readonly medianMs: number;
      readonly sigma: number;
      readonly minMs?: number;
    };

/** A small LAN: 0.5–1.5 ms one way. */
export const LAN_LATENCY: LatencyModel = { kind: 'uniform', minMs: 0.5, maxMs: 1.5 };

/** Draws one delay. Uses one or two draws of `random`, always the same number per model, for replayability. */
export function sampleLatency(model: LatencyModel, random: Random): number {
  switch (model.kind) {
    case 'constant':
      return model.ms;
    case 'uniform':
      return model.minMs + random.next() * (model.maxMs - model.minMs);
    case 'normal': {
      const x = model.meanMs + model.stdDevMs * gaussian(random);
      return Math.max(model.minMs ?? 0, x);
    }
    case 'exponential':
      // 1 − next() is in (0, 1], so the log is finite.
      return (model.minMs ?? 0) - model.meanMs * Math.log(1 - random.next());
    case 'logNormal':
      return (model.minMs ?? 0) + model.medianMs * Math.exp(model.sigma * gaussian(random));
  }
}

/** The distribution's mean (before clamping, for `normal`): what statistical tests compare against. */
export function meanLatencyMs(model: LatencyModel): number {
  switch (model.kind) {
    case 'constant':
      return model.ms;
    case 'uniform':
      return (model.minMs + model.maxMs) / 2;
    case 'normal':
      return model.meanMs;
    case 'exponential':
      return (model.minMs ?? 0) + model.meanMs;
    case 'logNormal':
      return (model.minMs ?? 0) + model.medianMs * Math.exp((model.sigma * model.sigma) / 2);
  }
}

/** Throws on a model that would produce negative or non-finite delays (a programmer error in a scenario). */
export function checkLatency(model: LatencyModel): void {
  const bad = (what: string): never => {
    throw new RangeError(`invalid ${model.kind} latency: ${what}`);
  };
  const nonNeg = (v: number | undefined, name: string): void => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) bad(`${name} must be a finite number ≥ 0`);
  };
  switch (model.kind) {
    case 'constant':
      nonNeg(model.ms, 'ms');
      return;
    case 'uniform':
      nonNeg(model.minMs, 'minMs');
      nonNeg(model.maxMs, 'maxMs');
      if (model.maxMs < model.minMs) bad('maxMs < minMs');
      return;
    case 'normal':
      nonNeg(model.meanMs, 'meanMs');
      nonNeg(model.stdDevMs, 'stdDevMs');
      nonNeg(model.minMs, 'minMs');
      return;
    case 'exponential':
      nonNeg(model.meanMs, 'meanMs');
      nonNeg(model.minMs, 'minMs');
      return;
    case 'logNormal':
      nonNeg(model.medianMs, 'medianMs');
      nonNeg(model.sigma, 'sigma');
      nonNeg(model.minMs, 'minMs');
      return;
  }
}

/** Standard normal by Box–Muller; always two draws (the second variate is discarded to keep no hidden state). */
function gaussian(random: Random): number {
  const u = 1 - random.next(); // (0, 1]: log(u) finite
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
