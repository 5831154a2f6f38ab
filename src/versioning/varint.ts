import { decodeError, type VersioningDecodeError } from './decode-error.js';

/**
 * Unsigned LEB128 varints over JS numbers (not bigint): counters and lengths stay below 2^53, so
 * at most 8 bytes (56 bits) are accepted and anything above Number.MAX_SAFE_INTEGER is rejected.
 */
const MAX_VARINT_BYTES = 8;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Append-only byte sink; the encoders are total, so it never fails. */
export class ByteWriter {
  private readonly chunks: number[] = [];
  private readonly parts: Uint8Array[] = [];

  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`varint must be a non-negative safe integer: ${n}`);
    let v = n;
    while (v >= 0x80) {
      this.chunks.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.chunks.push(v);
  }

  byte(b: number): void {
    this.chunks.push(b & 0xff);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.flush();
    this.parts.push(b);
  }

  string(s: string): void {
    this.bytes(utf8Encoder.encode(s));
  }

  finish(): Uint8Array {
    this.flush();
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private flush(): void {
    if (this.chunks.length > 0) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks.length = 0;
    }
  }
}

/**
 * Cursor over untrusted bytes. Each read returns undefined on failure and records the first
 * error, so decoders stay total (typed results, no exceptions) without threading results by hand.
 */
export class ByteReader {
  private at = 0;
  error: VersioningDecodeError | undefined;

  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.at;
  }

  fail(error: VersioningDecodeError): undefined {
    this.error ??= error;
    return undefined;
  }

  byte(): number | undefined {
    const b = this.buf[this.at];
    if (b === undefined) return this.fail(decodeError('truncated', `byte at offset ${this.at}`));
    this.at++;
    return b;
  }

  varint(): number | undefined {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.byte();
      if (b === undefined) return undefined;
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        // A trailing zero group has a shorter encoding; one canonical form keeps bytes comparable.
        if (i > 0 && b === 0)
          return this.fail(decodeError('not-canonical', 'varint with trailing zero byte'));
        if (!Number.isSafeInteger(n)) return this.fail(decodeError('varint-overflow', 'above 2^53 - 1'));
        return n;
      }
      scale *= 0x80;
    }
    return this.fail(decodeError('varint-overflow', `longer than ${MAX_VARINT_BYTES} bytes`));
  }

  /** A length-prefixed byte string of at most `maxBytes`. Returns a copy, not a view. */
  bytes(maxBytes: number): Uint8Array | undefined {
    const len = this.varint();
    if (len === undefined) return undefined;
    if (len > maxBytes) return this.fail(decodeError('too-large', `${len} bytes > limit ${maxBytes}`));
    if (len > this.remaining) return this.fail(decodeError('truncated', `${len} bytes wanted`));
    const out = this.buf.slice(this.at, this.at + len);
    this.at += len;
    return out;
  }

  string(maxBytes: number): string | undefined {
    const b = this.bytes(maxBytes);
    if (b === undefined) return undefined;
    try {
      return utf8Decoder.decode(b);
    } catch {
      return this.fail(decodeError('bad-utf8', 'invalid UTF-8 in string'));
    }
  }
}
