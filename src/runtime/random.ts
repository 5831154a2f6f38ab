/**
 * Seedable pseudo-random numbers for protocol code. xoshiro128** (Blackman & Vigna, 2018): 128-bit state,
 * period 2^128 − 1, passes BigCrush, and needs only 32-bit integer arithmetic, which JavaScript does fast.
 * The state is seeded from a 32-bit seed through splitmix32 so that nearby seeds give unrelated streams.
 */
export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform integer in [0, n); n must be a positive integer ≤ 2^32. */
  int(n: number): number;
  /** Shuffles `xs` in place (Fisher–Yates) and returns it. */
  shuffle<T>(xs: T[]): T[];
  /** k distinct elements of `xs` chosen uniformly (fewer if xs is shorter), in random order. */
  pick<T>(k: number, xs: readonly T[]): T[];
  /** An independent generator derived from this one; the parent advances by one draw. */
  fork(): Random;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Xoshiro128 implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    // The all-zero state is the one fixed point of xoshiro; splitmix32 cannot give it for all four words,
    // but guard anyway so the invariant is local.
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  next(): number {
    return this.uint32() / 4294967296;
  }

  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 4294967296)) {
      throw new RangeError(`int(n) needs an integer in [1, 2^32], got ${n}`);
    }
    // Rejection sampling removes the modulo bias that `uint32() % n` has when n is not a power of two.
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % n;
    }
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = xs[i] as T;
      xs[i] = xs[j] as T;
      xs[j] = tmp;
    }
    return xs;
  }

  pick<T>(k: number, xs: readonly T[]): T[] {
    const n = xs.length;
    const m = Math.max(0, Math.min(k, n));
    // Partial Fisher–Yates on a copy: O(n) copy, O(m) draws.
    const copy = xs.slice();
    for (let i = 0; i < m; i++) {
      const j = i + this.int(n - i);
      const tmp = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = tmp;
    }
    return copy.slice(0, m);
  }

  fork(): Random {
    return new Xoshiro128(this.uint32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A generator for the given seed; the one constructor protocol code and tests should use. */
export function seededRandom(seed: number): Random {
  return new Xoshiro128(seed);
}
