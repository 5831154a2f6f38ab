import { relative } from 'node:path';
import { expect } from 'vitest';

/** The seed a simulated test uses: HEARSAY_SEED from the environment when set, else `fallback`. */
export function testSeed(fallback: number): number {
  const env = process.env['HEARSAY_SEED'];
  if (env === undefined || env === '') return fallback;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new Error(`HEARSAY_SEED must be a uint32, got ${env}`);
  return n;
}

/**
 * Runs a simulated test body with its seed; on failure the error message starts with the seed and the command
 * that replays it, so a red CI run is reproducible from its log alone.
 */
export async function withSeed<T>(fallback: number, fn: (seed: number) => T | Promise<T>): Promise<T> {
  const seed = testSeed(fallback);
  try {
    return await fn(seed);
  } catch (err) {
    const testPath = expect.getState().testPath;
    const file = testPath === undefined ? '<file>' : relative(process.cwd(), testPath);
    const prefix = `seed=${seed} (replay: HEARSAY_SEED=${seed} npx vitest run ${file})`;
    if (err instanceof Error) {
      err.message = `${prefix}: ${err.message}`;
      throw err;
    }
    throw new Error(`${prefix}: ${String(err)}`);
  }
}
