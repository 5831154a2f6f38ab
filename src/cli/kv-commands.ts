import { readFile } from 'node:fs/promises';
import { parseHttpAddress } from './args.js';

/**
 * `hearsay put / get / del`: thin clients of an agent's `/kv` HTTP API (DESIGN.md §13). Each command takes
 * its parsed arguments and an `io` (so tests run them in-process against a real HTTP server) and resolves
 * with the exit code: 0 done, 1 failed (HTTP error, not found, agent unreachable), 2 usage error.
 */

/** The agent HTTP address every client command (members, ring, put, get, del) uses by default. */
export const DEFAULT_HTTP = '127.0.0.1:8080';

/** How long the CLI waits for an answer when no --timeout is given (the agent applies its own). */
const CLIENT_TIMEOUT_MS = 30_000;
/** Extra time over --timeout for the agent to answer after its own deadline. */
const CLIENT_SLACK_MS = 5_000;

export interface KvIo {
  /** Writes to stdout as is (no newline added). */
  out(data: Uint8Array | string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  readonly stdinIsTTY: boolean;
  readStdin(): Promise<Uint8Array>;
}

export function processIo(): KvIo {
  return {
    out: (data) => {
      process.stdout.write(data);
    },
    err: (line) => {
      process.stderr.write(`${line}\n`);
    },
    stdinIsTTY: process.stdin.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
      return new Uint8Array(Buffer.concat(chunks));
    },
  };
}

export interface KvTargetArgs {
  /** An agent's HTTP API: host:port or http://host:port (see parseHttpAddress). */
  readonly http: string;
  readonly key: string;
  /** Namespace; the plain `/kv/` path (namespace `default`) when absent. */
  readonly ns?: string;
  /** Request timeout in ms, sent to the agent as `timeout`. */
  readonly timeout?: number;
}

export interface PutArgs extends KvTargetArgs {
  readonly value?: string;
  readonly file?: string;
  readonly w?: string;
  readonly context?: string;
}

export interface GetArgs extends KvTargetArgs {
  readonly r?: string;
  readonly repair?: 'sync' | 'async';
}

export interface DelArgs extends KvTargetArgs {
  /** Read quorum of a delete without --context (the agent reads the key first). */
  readonly r?: string;
  readonly w?: string;
  readonly context?: string;
}

/** A failure reported as one `hearsay: …` line on stderr with this exit code. */
class KvCliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

const usage = (message: string): KvCliFailure => new KvCliFailure(message, 2);

async function reported(io: KvIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof KvCliFailure)) throw err;
    io.err(`hearsay: ${err.message}`);
    return err.exitCode;
  }
}

/** A path segment: URLs resolve `.` and `..` (even percent-encoded) before they are sent, so those can't be. */
function segment(value: string, what: string): string {
  if (value === '') throw usage(`${what} must not be empty`);
  if (value === '.' || value === '..') throw usage(`${what} "${value}" cannot be addressed in a URL`);
  return encodeURIComponent(value);
}

function keyUrl(args: KvTargetArgs, query: Record<string, string | undefined>): string {
  const http = parseHttpAddress(args.http);
  if (!http.ok) throw usage(http.error);
  const key = segment(args.key, 'KEY');
  const path = args.ns === undefined ? `/kv/${key}` : `/ns/${segment(args.ns, '--ns')}/kv/${key}`;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, timeout: args.timeout?.toString() })) {
    if (v !== undefined) q.set(k, v);
  }
  const qs = q.toString();
  return `http://${http.address}${path}${qs === '' ? '' : `?${qs}`}`;
}

async function send(args: KvTargetArgs, url: string, init: RequestInit): Promise<Response> {
  const budget = args.timeout === undefined ? CLIENT_TIMEOUT_MS : args.timeout + CLIENT_SLACK_MS;
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(budget) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError')
      throw new KvCliFailure(`no answer from agent at ${args.http} within ${budget} ms`);
    if (e.cause?.code === 'ECONNREFUSED') {
      throw new KvCliFailure(
        `cannot reach agent at ${args.http}: connection refused (is an agent running there?)`,
      );
    }
    throw new KvCliFailure(`cannot reach agent at ${args.http}: ${e.cause?.message ?? e.message}`);
  }
}

/** The agent's JSON error (`{"error", …}`) as one message; a non-JSON body is shown as text. */
async function httpFailure(res: Response): Promise<KvCliFailure> {
  const text = await res.text();
  let detail = text.slice(0, 200);
  try {
    const body = JSON.parse(text) as { error?: unknown; errors?: unknown };
    if (typeof body.error === 'string') detail = body.error;
    if (Array.isArray(body.errors) && body.errors.length > 0) detail += ` (${body.errors.join('; ')})`;
  } catch {
    // not JSON: keep the text
  }
  return new KvCliFailure(`HTTP ${res.status}${detail === '' ? '' : `: ${detail}`}`);
}

function contextHeader(context: string | undefined): Record<string, string> {
  return context === undefined || context === '' ? {} : { 'x-context': context };
}

async function putValue(args: PutArgs, io: KvIo): Promise<Uint8Array> {
  if (args.value !== undefined && args.file !== undefined)
    throw usage('give either VALUE or --file, not both');
  if (args.value !== undefined) return new Uint8Array(Buffer.from(args.value, 'utf8'));
  if (args.file !== undefined) {
    try {
      return new Uint8Array(await readFile(args.file));
    } catch (err) {
      throw new KvCliFailure(`cannot read --file ${args.file}: ${(err as Error).message}`);
    }
  }
  if (io.stdinIsTTY) throw usage('give VALUE, --file PATH, or pipe the value on stdin');
  return io.readStdin();
}

/** `hearsay put KEY [VALUE]`: prints the new context token on stdout. */
export function runPut(args: PutArgs, io: KvIo): Promise<number> {
  return reported(io, async () => {
    const url = keyUrl(args, { w: args.w });
    const value = await putValue(args, io);
    const res = await send(args, url, { method: 'PUT', body: value, headers: contextHeader(args.context) });
    if (res.status !== 204 && !res.ok) throw await httpFailure(res);
    await res.arrayBuffer();
    const token = res.headers.get('x-context');
    if (token !== null) io.out(`${token}\n`);
    return 0;
  });
}

function errorOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { error?: unknown }).error;
  } catch {
    return undefined;
  }
}

function siblingText(value: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    return Buffer.from(value).toString('base64');
  }
}

/**
 * `hearsay get KEY`: the value's raw bytes on stdout and `context: TOKEN` on stderr; concurrent siblings as
 * `sibling N: …` lines (exit 0, with a note on stderr); not found exits 1.
 */
export function runGet(args: GetArgs, io: KvIo): Promise<number> {
  return reported(io, async () => {
    const url = keyUrl(args, { r: args.r, repair: args.repair });
    const res = await send(args, url, { method: 'GET' });
    const token = res.headers.get('x-context');
    const printContext = (): void => {
      if (token !== null) io.err(`context: ${token}`);
    };
    if (res.status === 200) {
      io.out(new Uint8Array(await res.arrayBuffer()));
      printContext();
      return 0;
    }
    if (res.status === 300) {
      const body = (await res.json()) as { siblings: { value: string }[] };
      body.siblings.forEach((s, i) => {
        io.out(`sibling ${i + 1}: ${siblingText(new Uint8Array(Buffer.from(s.value, 'base64')))}\n`);
      });
      io.err(
        `hearsay: ${body.siblings.length} siblings (concurrent writes); a put with this context replaces them`,
      );
      printContext();
      return 0;
    }
    if (res.status === 404) {
      const text = await res.text();
      // An agent without the store (or a proxy) answers 404 for the route itself, not for the key.
      if (errorOf(text) === 'not found') {
        const where = args.ns === undefined ? '' : ` in namespace "${args.ns}"`;
        io.err(`hearsay: key "${args.key}" not found${where}`);
        // A deleted key still has a context: writing with it supersedes the delete.
        printContext();
        return 1;
      }
      throw new KvCliFailure(`HTTP 404: ${text.slice(0, 200)}`);
    }
    throw await httpFailure(res);
  });
}

/**
 * `hearsay del KEY`: prints the tombstone's context token on stdout. Without --context the agent reads the
 * key first and deletes what it read; nothing there is "not found", exit 1, as for get.
 */
export function runDel(args: DelArgs, io: KvIo): Promise<number> {
  return reported(io, async () => {
    const url = keyUrl(args, { r: args.r, w: args.w });
    const res = await send(args, url, { method: 'DELETE', headers: contextHeader(args.context) });
    if (res.status === 404) {
      const text = await res.text();
      if (errorOf(text) !== 'not found') throw new KvCliFailure(`HTTP 404: ${text.slice(0, 200)}`);
      const where = args.ns === undefined ? '' : ` in namespace "${args.ns}"`;
      io.err(`hearsay: key "${args.key}" not found${where}; nothing deleted`);
      return 1;
    }
    if (res.status !== 204 && !res.ok) throw await httpFailure(res);
    await res.arrayBuffer();
    const token = res.headers.get('x-context');
    if (token !== null) io.out(`${token}\n`);
    return 0;
  });
}
