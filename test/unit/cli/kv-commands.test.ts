import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type KvIo, runDel, runGet, runPut } from '../../../src/cli/kv-commands.js';
import { type HttpBackend, startHttpServer } from '../../../src/http/server.js';
import { encodeContextToken } from '../../../src/versioning/context-token.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV, type VersionVector } from '../../../src/versioning/version-vector.js';
import { FakeKv } from '../http/fake-kv.js';

/** Captures stdout bytes and stderr lines; stdin is `stdin` (undefined = a TTY). */
function captureIo(stdin?: Uint8Array): KvIo & { stdout(): Buffer; stderr: string[] } {
  const out: Buffer[] = [];
  const stderr: string[] = [];
  return {
    out: (d) => {
      out.push(Buffer.from(d));
    },
    err: (line) => {
      stderr.push(line);
    },
    stdinIsTTY: stdin === undefined,
    readStdin: async () => stdin ?? new Uint8Array(),
    stdout: () => Buffer.concat(out),
    stderr,
  };
}

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const ctxOf = (counter: number): VersionVector => [{ id: replicaId('fake'), counter }];

let server: Awaited<ReturnType<typeof startHttpServer>>;
let kv: FakeKv;
let http: string;
let dir: string;

beforeAll(async () => {
  const backend: HttpBackend = {
    members: () => [],
    ready: () => true,
    metricsText: async () => '',
    metricsContentType: 'text/plain',
    ring: () => ({}) as never,
    get kv() {
      return kv;
    },
  };
  server = await startHttpServer(backend, '127.0.0.1', 0);
  http = `127.0.0.1:${server.port}`;
  dir = mkdtempSync(join(tmpdir(), 'hearsay-kv-cli-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  kv = new FakeKv();
});

describe('hearsay put / get / del', () => {
  it('put prints the context token; get prints the raw value and the token on stderr', async () => {
    const put = captureIo();
    expect(await runPut({ http, key: 'k', value: 'héllo' }, put)).toBe(0);
    const token = encodeContextToken(ctxOf(1));
    expect(put.stdout().toString()).toBe(`${token}\n`);
    expect(put.stderr).toEqual([]);
    expect(kv.calls[0]).toEqual({
      op: 'put',
      req: { ns: 'default', key: bytes('k'), value: bytes('héllo'), context: EMPTY_VV },
    });

    const get = captureIo();
    expect(await runGet({ http, key: 'k' }, get)).toBe(0);
    expect(get.stdout().toString()).toBe('héllo');
    expect(get.stderr).toEqual([`context: ${token}`]);
  });

  it('passes --ns, --w, --r, --repair, --timeout and --context through; keys may hold / and UTF-8', async () => {
    const key = 'dir/sub é?#%';
    const io = captureIo();
    expect(await runPut({ http, key, value: 'v', ns: 'users', w: 'all', timeout: 700 }, io)).toBe(0);
    const token = io.stdout().toString().trim();
    expect(kv.calls[0]).toEqual({
      op: 'put',
      req: { ns: 'users', key: bytes(key), value: bytes('v'), context: EMPTY_VV, w: 'all', timeoutMs: 700 },
    });
    expect(await runGet({ http, key, ns: 'users', r: '2', repair: 'sync' }, captureIo())).toBe(0);
    expect(kv.calls[1]).toEqual({
      op: 'get',
      req: { ns: 'users', key: bytes(key), r: '2', repair: 'sync' },
    });
    expect(await runPut({ http, key, value: 'w', ns: 'users', context: token }, captureIo())).toBe(0);
    expect(kv.calls[2]?.req).toMatchObject({ context: ctxOf(1) });
  });

  it('reads the value from --file, or from stdin when it is not a TTY', async () => {
    const path = join(dir, 'value.bin');
    writeFileSync(path, Buffer.from([0, 1, 2, 255]));
    expect(await runPut({ http, key: 'f', file: path }, captureIo())).toBe(0);
    expect(kv.calls[0]?.req).toMatchObject({ value: new Uint8Array([0, 1, 2, 255]) });
    const get = captureIo();
    expect(await runGet({ http, key: 'f' }, get)).toBe(0);
    expect(new Uint8Array(get.stdout())).toEqual(new Uint8Array([0, 1, 2, 255]));

    expect(await runPut({ http, key: 's' }, captureIo(bytes('from stdin')))).toBe(0);
    expect(kv.calls[2]?.req).toMatchObject({ value: bytes('from stdin') });

    const missing = captureIo();
    expect(await runPut({ http, key: 'f', file: join(dir, 'nope') }, missing)).toBe(1);
    expect(missing.stderr[0]).toMatch(/^hearsay: cannot read --file .*nope/);
  });

  it('usage errors exit 2 before anything is sent', async () => {
    const cases: [Parameters<typeof runPut>[0], RegExp][] = [
      [{ http, key: 'k' }, /give VALUE, --file PATH, or pipe the value on stdin/],
      [{ http, key: 'k', value: 'v', file: 'x' }, /either VALUE or --file/],
      [{ http: 'nohost', key: 'k', value: 'v' }, /--http "nohost" is not host:port/],
      [{ http, key: '', value: 'v' }, /KEY must not be empty/],
      [{ http, key: '..', value: 'v' }, /KEY "\.\." cannot be addressed/],
      [{ http, key: 'k', value: 'v', ns: '' }, /--ns must not be empty/],
    ];
    for (const [args, message] of cases) {
      const io = captureIo();
      expect(await runPut(args, io)).toBe(2);
      expect(io.stderr.join('\n')).toMatch(message);
    }
    const get = captureIo();
    expect(await runGet({ http: 'a:b:c', key: 'k' }, get)).toBe(2);
    expect(await runDel({ http, key: '.' }, captureIo())).toBe(2);
    expect(kv.calls).toEqual([]);
  });

  it('--http takes http://host:port and http://host:port/ too; https is refused before anything is sent', async () => {
    expect(await runPut({ http: `http://${http}`, key: 'k', value: 'v' }, captureIo())).toBe(0);
    expect(await runGet({ http: `http://${http}/`, key: 'k' }, captureIo())).toBe(0);
    expect(kv.calls.map((c) => c.op)).toEqual(['put', 'get']);
    const https = captureIo();
    expect(await runDel({ http: `https://${http}`, key: 'k' }, https)).toBe(2);
    expect(https.stderr).toEqual([
      `hearsay: --http "https://${http}" uses https, but the agent serves plain HTTP: use http://host:port`,
    ]);
    expect(kv.calls).toHaveLength(2);
  });

  it('siblings print one line each (UTF-8, or base64 when not UTF-8) and exit 0 with a note', async () => {
    const context = [
      { id: replicaId('a'), counter: 1 },
      { id: replicaId('b'), counter: 1 },
    ];
    kv.next = { kind: 'ok', values: [bytes('red'), new Uint8Array([0xff, 0xfe])], context };
    const io = captureIo();
    expect(await runGet({ http, key: 'color' }, io)).toBe(0);
    expect(io.stdout().toString()).toBe('sibling 1: red\nsibling 2: //4=\n');
    expect(io.stderr[0]).toMatch(/^hearsay: 2 siblings/);
    expect(io.stderr[1]).toBe(`context: ${encodeContextToken(context)}`);
  });

  it('not found exits 1; a deleted key still shows its context', async () => {
    const missing = captureIo();
    expect(await runGet({ http, key: 'nope', ns: 'n1' }, missing)).toBe(1);
    expect(missing.stdout().length).toBe(0);
    expect(missing.stderr).toEqual(['hearsay: key "nope" not found in namespace "n1"']);

    await runPut({ http, key: 'k', value: 'v' }, captureIo());
    const del = captureIo();
    expect(await runDel({ http, key: 'k', context: encodeContextToken(ctxOf(1)), w: '1' }, del)).toBe(0);
    expect(del.stdout().toString()).toBe(`${encodeContextToken(ctxOf(2))}\n`);
    expect(kv.calls[2]).toEqual({
      op: 'delete',
      req: { ns: 'default', key: bytes('k'), context: ctxOf(1), w: '1' },
    });
    // Without --context the agent reads first: nothing there is "not found", exit 1, and r reaches it.
    kv.next = { kind: 'notfound', context: EMPTY_VV };
    const blind = captureIo();
    expect(await runDel({ http, key: 'nope', ns: 'n1', r: 'all' }, blind)).toBe(1);
    expect(blind.stderr).toEqual(['hearsay: key "nope" not found in namespace "n1"; nothing deleted']);
    expect(kv.calls[3]).toEqual({
      op: 'delete',
      req: { ns: 'n1', key: bytes('nope'), context: EMPTY_VV, r: 'all' },
    });
    const gone = captureIo();
    expect(await runGet({ http, key: 'k' }, gone)).toBe(1);
    expect(gone.stderr).toEqual(['hearsay: key "k" not found', `context: ${encodeContextToken(ctxOf(2))}`]);
  });

  it('HTTP errors print the JSON error and exit 1', async () => {
    kv.next = { kind: 'unavailable', needed: 2, got: 1, errors: ['b: timeout'] };
    const unavailable = captureIo();
    expect(await runPut({ http, key: 'k', value: 'v' }, unavailable)).toBe(1);
    expect(unavailable.stderr).toEqual(['hearsay: HTTP 503: quorum not met: needed 2, got 1 (b: timeout)']);
    expect(unavailable.stdout().length).toBe(0);

    kv.next = { kind: 'invalid', reason: 'bad-request', error: 'bad r' };
    const invalid = captureIo();
    expect(await runGet({ http, key: 'k', r: 'x' }, invalid)).toBe(1);
    expect(invalid.stderr).toEqual(['hearsay: HTTP 400: bad r']);

    const badContext = captureIo();
    expect(await runDel({ http, key: 'k', context: 'not-a-token' }, badContext)).toBe(1);
    expect(badContext.stderr[0]).toMatch(/^hearsay: HTTP 400: bad X-Context header/);
  });

  it('an unreachable agent is a clear error with exit 1', async () => {
    const spare = await startHttpServer(
      {
        members: () => [],
        ready: () => true,
        metricsText: async () => '',
        metricsContentType: '',
        ring: () => ({}) as never,
      },
      '127.0.0.1',
      0,
    );
    await spare.close();
    const io = captureIo();
    expect(await runGet({ http: `127.0.0.1:${spare.port}`, key: 'k' }, io)).toBe(1);
    expect(io.stderr).toEqual([
      `hearsay: cannot reach agent at 127.0.0.1:${spare.port}: connection refused (is an agent running there?)`,
    ]);
    // An agent without the store answers 503 on /kv.
    const noStore = await startHttpServer(
      {
        members: () => [],
        ready: () => true,
        metricsText: async () => '',
        metricsContentType: '',
        ring: () => ({}) as never,
      },
      '127.0.0.1',
      0,
    );
    try {
      const io2 = captureIo();
      expect(await runGet({ http: `127.0.0.1:${noStore.port}`, key: 'k' }, io2)).toBe(1);
      expect(io2.stderr).toEqual(['hearsay: HTTP 503: store not running']);
    } finally {
      await noStore.close();
    }
  });
});
