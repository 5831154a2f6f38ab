import { TransportError } from './transport.js';

/**
 * Framing of the stream channel. Each frame is
 *
 *   length  u32 BE   payload byte count (not counting this 9-byte header)
 *   type    u8       0 request, 1 response, 2 error-response (payload = UTF-8 message)
 *   id      u32 BE   request id chosen by the requester, echoed in the response
 *   payload length bytes
 *
 * The id lets many requests share one connection and be answered out of order.
 */
export const FRAME_HEADER_BYTES = 9;

export const FrameType = {
  Request: 0,
  Response: 1,
  ErrorResponse: 2,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  readonly type: FrameType;
  readonly requestId: number;
  readonly payload: Uint8Array;
}

function isFrameType(t: number): t is FrameType {
  return t === FrameType.Request || t === FrameType.Response || t === FrameType.ErrorResponse;
}

/** The 9-byte header; sent separately from the payload so a large payload is never copied. */
export function encodeFrameHeader(type: FrameType, requestId: number, payloadBytes: number): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  h.writeUInt32BE(payloadBytes, 0);
  h.writeUInt8(type, 4);
  h.writeUInt32BE(requestId >>> 0, 5);
  return h;
}

/** Header and payload as one buffer (one copy). Throws TransportError('oversize') above `maxFrameBytes`. */
export function encodeFrame(frame: Frame, maxFrameBytes: number): Buffer {
  checkFrameSize(frame.payload.length, maxFrameBytes);
  return Buffer.concat([encodeFrameHeader(frame.type, frame.requestId, frame.payload.length), frame.payload]);
}

/** The sender-side limit: the same check the receiver applies, so we never send what the peer must reject. */
export function checkFrameSize(payloadBytes: number, maxFrameBytes: number): void {
  if (payloadBytes > maxFrameBytes) {
    throw new TransportError('oversize', `frame payload of ${payloadBytes} bytes exceeds ${maxFrameBytes}`);
  }
}

export type DecodeError = 'oversize' | 'badType';

export type DecodeResult =
  | { readonly ok: true; readonly frames: readonly Frame[] }
  /** `frames` decoded before the error are still valid; the stream after it is not and must be closed. */
  | { readonly ok: false; readonly error: DecodeError; readonly frames: readonly Frame[] };

/**
 * Incremental decoder: TCP delivers bytes in arbitrary chunks (a header split in two, several frames in
 * one chunk), so bytes are queued until a whole header, then a whole payload, is available. The announced
 * length is checked as soon as the header is complete, before buffering the payload, so a peer cannot make
 * us hold more than maxFrameBytes + one chunk. After an error the decoder stays failed.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: { type: FrameType; requestId: number; length: number } | null = null;
  private failed: DecodeError | null = null;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): DecodeResult {
    if (this.failed !== null) return { ok: false, error: this.failed, frames: [] };
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.header === null) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const h = this.take(FRAME_HEADER_BYTES);
        const length = h.readUInt32BE(0);
        const type = h.readUInt8(4);
        if (!isFrameType(type)) return this.fail('badType', frames);
        if (length > this.maxFrameBytes) return this.fail('oversize', frames);
        this.header = { type, requestId: h.readUInt32BE(5), length };
      }
      if (this.buffered < this.header.length) break;
      frames.push({
        type: this.header.type,
        requestId: this.header.requestId,
        payload: this.take(this.header.length),
      });
      this.header = null;
    }
    return { ok: true, frames };
  }

  private fail(error: DecodeError, frames: readonly Frame[]): DecodeResult {
    this.failed = error;
    this.chunks = [];
    this.buffered = 0;
    return { ok: false, error, frames };
  }

  /** Removes the next `n` (≤ buffered) bytes; a view when they lie in one chunk, else one copy. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Buffer;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
