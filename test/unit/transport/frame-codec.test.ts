import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkFrameSize,
  encodeFrame,
  encodeFrameHeader,
  FRAME_HEADER_BYTES,
  type Frame,
  FrameDecoder,
  FrameType,
} from '../../../src/transport/frame-codec.js';
import { TransportError } from '../../../src/transport/transport.js';

const MAX = 4096;

const frameArb: fc.Arbitrary<Frame> = fc.record({
  type: fc.constantFrom(FrameType.Request, FrameType.Response, FrameType.ErrorResponse),
  requestId: fc.integer({ min: 0, max: 0xffff_ffff }),
  payload: fc.uint8Array({ maxLength: 600 }),
});

/** Splits `bytes` at the given cut points (any order, duplicates allowed), like TCP may. */
function chunk(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

function plain(f: Frame): { type: number; requestId: number; payload: number[] } {
  return { type: f.type, requestId: f.requestId, payload: [...f.payload] };
}

describe('frame codec', () => {
  it('lays out a frame as length u32 BE, type u8, id u32 BE, payload', () => {
    const b = encodeFrame(
      { type: FrameType.Response, requestId: 0x01020304, payload: Uint8Array.of(9, 8) },
      MAX,
    );
    expect([...b]).toEqual([0, 0, 0, 2, 1, 1, 2, 3, 4, 9, 8]);
    expect(encodeFrameHeader(FrameType.Request, 7, 0).length).toBe(FRAME_HEADER_BYTES);
  });

  it('decodes any sequence of frames however TCP splits or coalesces the bytes', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, cuts) => {
          const wire = Buffer.concat(frames.map((f) => encodeFrame(f, MAX)));
          const dec = new FrameDecoder(MAX);
          const got: Frame[] = [];
          for (const c of chunk(wire, cuts)) {
            const r = dec.push(c);
            expect(r.ok).toBe(true);
            got.push(...r.frames);
          }
          expect(got.map(plain)).toEqual(frames.map(plain));
          expect(dec.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes byte by byte', () => {
    const f: Frame = { type: FrameType.Request, requestId: 5, payload: Uint8Array.of(1, 2, 3, 4, 5) };
    const dec = new FrameDecoder(MAX);
    const got: Frame[] = [];
    for (const byte of encodeFrame(f, MAX)) got.push(...dec.push(Uint8Array.of(byte)).frames);
    expect(got.map(plain)).toEqual([plain(f)]);
  });

  describe('size limits', () => {
    it('accepts a payload of exactly maxFrameBytes', () => {
      const f: Frame = { type: FrameType.Request, requestId: 1, payload: new Uint8Array(MAX) };
      const r = new FrameDecoder(MAX).push(encodeFrame(f, MAX));
      expect(r.ok).toBe(true);
      expect(r.frames[0]?.payload.length).toBe(MAX);
    });

    it('refuses to encode a payload above maxFrameBytes with an oversize TransportError', () => {
      const f: Frame = { type: FrameType.Request, requestId: 1, payload: new Uint8Array(MAX + 1) };
      expect(() => encodeFrame(f, MAX)).toThrow(TransportError);
      try {
        checkFrameSize(MAX + 1, MAX);
      } catch (err) {
        expect((err as TransportError).code).toBe('oversize');
      }
    });

    it('fails as soon as a header announces more than maxFrameBytes, before the payload arrives', () => {
      const dec = new FrameDecoder(MAX);
      const r = dec.push(encodeFrameHeader(FrameType.Request, 1, MAX + 1));
      expect(r).toEqual({ ok: false, error: 'oversize', frames: [] });
      expect(dec.bufferedBytes).toBe(0);
      // Stays failed: the rest of the stream cannot be trusted.
      expect(dec.push(new Uint8Array(10)).ok).toBe(false);
    });

    it('returns the frames decoded before an oversize announcement', () => {
      const good = encodeFrame({ type: FrameType.Response, requestId: 3, payload: Uint8Array.of(1) }, MAX);
      const bad = encodeFrameHeader(FrameType.Response, 4, 0xffff_ffff);
      const r = new FrameDecoder(MAX).push(Buffer.concat([good, bad]));
      expect(r.ok).toBe(false);
      expect(r.frames.map((f) => f.requestId)).toEqual([3]);
    });

    it('rejects an unknown frame type', () => {
      const h = encodeFrameHeader(FrameType.Request, 1, 0);
      h[4] = 9;
      expect(new FrameDecoder(MAX).push(h)).toEqual({ ok: false, error: 'badType', frames: [] });
    });
  });
});
