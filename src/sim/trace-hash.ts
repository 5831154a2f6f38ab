/**
 * A running 64-bit fingerprint of everything the simulated network delivered, in order. Two independent
 * 32-bit lanes (FNV-1a and a murmur3-style multiply–rotate) rather than one 64-bit hash because JavaScript
 * has fast 32-bit integer multiply (Math.imul) and slow BigInt. Not cryptographic: it only has to make two
 * different traces collide with negligible probability, like the VOPR's checksum of the replica state.
 */
export class TraceHash {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;
  private count = 0;
  // Scratch for reading a float64's bits without allocating per event.
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  /** Events folded in so far. */
  get events(): number {
    return this.count;
  }

  /** Folds one event: virtual time, endpoints (node indexes), kind tag and payload. */
  event(timeMs: number, from: number, to: number, kind: number, payload: Uint8Array | null): void {
    this.count++;
    this.f64[0] = timeMs;
    this.word(this.u32[0] as number);
    this.word(this.u32[1] as number);
    this.word(from);
    this.word(to);
    this.word(kind);
    if (payload !== null) {
      this.word(payload.length);
      let a = this.a;
      let b = this.b;
      for (let i = 0; i < payload.length; i++) {
        const x = payload[i] as number;
        a = Math.imul(a ^ x, 0x01000193);
        b = Math.imul(b ^ x, 0xcc9e2d51);
        b = (b << 15) | (b >>> 17);
      }
      this.a = a;
      this.b = b;
    }
  }

  /** 16 hex digits. */
  digest(): string {
    // Final avalanche so that a difference in the last byte spreads over all output bits.
    const a = fmix(this.a ^ this.count);
    const b = fmix(this.b ^ Math.imul(this.count, 0x9e3779b9));
    return hex8(a) + hex8(b);
  }

  private word(w: number): void {
    this.a = Math.imul(this.a ^ (w & 0xffff), 0x01000193);
    this.a = Math.imul(this.a ^ (w >>> 16), 0x01000193);
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let b = this.b ^ k;
    b = (b << 13) | (b >>> 19);
    this.b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }
}

function fmix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function hex8(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

/** Event kinds folded into the trace. */
export const TraceKind = {
  packet: 1,
  request: 2,
  response: 3,
  error: 4,
  crash: 5,
  restart: 6,
  pause: 7,
  resume: 8,
} as const;

/** A 32-bit hash of a string (FNV-1a), used to derive per-node seeds from addresses. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix(h);
}

/** Mixes two 32-bit words into one (for seed derivation). */
export function mix32(a: number, b: number): number {
  return fmix((Math.imul(a, 0x9e3779b1) ^ b) >>> 0);
}
