import { execFile } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_REQUEST_TIMEOUT_MS } from '../../../src/coordinator/config.js';
import { type HttpBackend, startHttpServer } from '../../../src/http/server.js';
import { CLI, requireBuiltCli } from '../../integration/agent-process.js';
import { FakeKv } from '../http/fake-kv.js';

// The built CLI as a user runs it (npm test builds first): commander's parsing, the usage-error exit code and
// the message on stderr are only visible from outside the process.

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    // execFile's timeout kills only this child; bounded so a hung CLI fails the test instead of stalling it.
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

let server: Awaited<ReturnType<typeof startHttpServer>>;
let kv: FakeKv;
let http: string;

beforeAll(async () => {
  requireBuiltCli();
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
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  kv = new FakeKv();
});

describe('hearsay --timeout', () => {
  it("refuses the agent's limit + 1 with a usage error before sending anything", async () => {
    const over = String(MAX_REQUEST_TIMEOUT_MS + 1);
    for (const args of [
      ['get', 'k'],
      ['put', 'k', 'v'],
      ['del', 'k'],
    ]) {
      const run = await runCli([...args, '--http', http, '--timeout', over]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(
        `option '--timeout <ms>' argument '${over}' is invalid. must be an integer in [1, ${MAX_REQUEST_TIMEOUT_MS}] (the agent's limit on ?timeout=)`,
      );
    }
    expect(kv.calls).toEqual([]);
  });

  it('accepts the limit and sends it to the agent', async () => {
    const run = await runCli(['put', 'k', 'v', '--http', http, '--timeout', String(MAX_REQUEST_TIMEOUT_MS)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(kv.calls[0]?.req).toMatchObject({ timeoutMs: MAX_REQUEST_TIMEOUT_MS });
  });
});

describe('hearsay --http', () => {
  it('takes http://host:port/ in the kv commands and the cluster commands', async () => {
    const put = await runCli(['put', 'k', 'v', '--http', `http://${http}/`]);
    expect(put.code).toBe(0);
    expect(kv.calls[0]?.op).toBe('put');
    const members = await runCli(['members', '--http', `http://${http}`]);
    expect(members.stderr).toBe('');
    expect(members.code).toBe(0);
    expect(members.stdout).toMatch(/^NAME\s+ADDRESS\s+STATE/);
  });

  it('refuses https and URLs with a path, with the reason and exit 2', async () => {
    const https = await runCli(['members', '--http', `https://${http}`]);
    expect(https.code).toBe(2);
    expect(https.stderr).toContain('uses https, but the agent serves plain HTTP');
    const path = await runCli(['get', 'k', '--http', `http://${http}/kv/k`]);
    expect(path.code).toBe(2);
    expect(path.stderr).toContain('has a path');
    expect(kv.calls).toEqual([]);
  });

  it('refuses a bad --durability before starting, naming both values, with exit 2', async () => {
    const bad = await runCli(['agent', '--durability', 'fast', '--data-dir', ':memory:', '--http-port', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('durability must be one of sync, os, got "fast"');
    expect(bad.stdout).not.toContain('listening');
  });
});
