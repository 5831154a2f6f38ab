import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLevelStorage } from '../../src/storage/level-storage.js';
import { openLmdbStorage } from '../../src/storage/lmdb-storage.js';
import { DURABILITIES, type Durability, type Storage } from '../../src/storage/storage.js';

// A child process (the built code: npm test builds first) writes keys one at a time with the durable settings
// and prints each key once its put resolved. The parent SIGKILLs it mid-stream; every printed key must be there.
// Both durabilities: `os` (no fsync) must survive a process kill too, since the commit is already in the OS.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ENGINES: Record<
  string,
  { module: string; fn: string; open: (o: { path: string; durability: Durability }) => Promise<Storage> }
> = {
  lmdb: { module: 'dist/src/storage/lmdb-storage.js', fn: 'openLmdbStorage', open: openLmdbStorage },
  level: { module: 'dist/src/storage/level-storage.js', fn: 'openLevelStorage', open: openLevelStorage },
};

const CASES = Object.keys(ENGINES).flatMap((engine) => DURABILITIES.map((d) => [engine, d] as const));

describe.each(CASES)('%s, durability %s: an acknowledged write survives kill -9', (engine, durability) => {
  it('every key acknowledged before SIGKILL is readable after reopening', async () => {
    const e = ENGINES[engine]!;
    const mod = resolve(e.module);
    if (!existsSync(mod)) throw new Error(`${mod} is missing: run npm run build (npm test does)`);
    const dir = mkdtempSync(join(tmpdir(), `hearsay-kill9-${engine}-${durability}-`));
    dirs.push(dir);
    const script = `
      const { ${e.fn} } = await import(${JSON.stringify(mod)});
      const s = await ${e.fn}({ path: ${JSON.stringify(dir)}, durability: ${JSON.stringify(durability)} });
      for (let i = 0; i < 100000; i++) {
        const key = { partition: i % 7, key: new TextEncoder().encode('k' + i) };
        await s.put('kv', key, new TextEncoder().encode('v' + i));
        process.stdout.write(i + '\\n');
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const acked = await new Promise<number[]>((done, fail) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`child acknowledged too few writes in time: ${out.length} bytes out, stderr: ${err}`));
      }, 30_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const lines = out.split('\n').filter((l) => l !== '');
        if (lines.length >= 200) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          child.once('exit', () =>
            done(
              out
                .split('\n')
                .filter((l) => /^\d+$/.test(l))
                .map(Number),
            ),
          );
        }
      });
    });
    expect(acked.length).toBeGreaterThanOrEqual(200);
    const store = await e.open({ path: dir, durability });
    try {
      for (const i of acked) {
        const v = await store.get('kv', { partition: i % 7, key: new TextEncoder().encode(`k${i}`) });
        expect(v === undefined ? undefined : new TextDecoder().decode(v)).toBe(`v${i}`);
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
