/**
 * The memberlist peer (/work/shared/peers/memberlist/run.sh): runs it as a child process with a wall-time
 * limit, parses its JSON lines, and compares its DefaultLANConfig with our lanConfig().
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MembershipConfig } from '../../src/membership/config.js';
import { repoRoot } from '../report.js';
import type { RunRecord } from './real.js';

export function peerScript(): string {
  return join(repoRoot(), '..', 'shared', 'peers', 'memberlist', 'run.sh');
}

interface Exec {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function exec(cmd: string, args: readonly string[], timeoutMs: number): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${err.message}`, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (!s.startsWith('{')) continue;
    try {
      const v: unknown = JSON.parse(s);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // not a JSON line
    }
  }
  return out;
}

function failure(e: Exec): string {
  const tail = e.stderr.trim().split('\n').slice(-3).join(' / ');
  if (e.timedOut) return `timed out${tail === '' ? '' : `: ${tail}`}`;
  return `exit ${String(e.code)}${tail === '' ? '' : `: ${tail}`}`;
}

export type PeerConfig = { ok: true; config: Record<string, unknown> } | { ok: false; reason: string };

/** `run.sh -config`; the first call may apt-install Go and memberlist (hence the long limit). */
export async function peerConfig(timeoutMs: number): Promise<PeerConfig> {
  const script = peerScript();
  if (!existsSync(script)) return { ok: false, reason: `${script} not found` };
  const e = await exec('bash', [script, '-config'], timeoutMs);
  const cfg = jsonLines(e.stdout).find((o) => 'memberlist_DefaultLANConfig' in o);
  const inner = cfg?.memberlist_DefaultLANConfig;
  if (e.code !== 0 || typeof inner !== 'object' || inner === null) return { ok: false, reason: failure(e) };
  return { ok: true, config: inner as Record<string, unknown> };
}

export type PeerRuns = { ok: true; runs: RunRecord[]; errors: string[] } | { ok: false; reason: string };

export async function peerRuns(
  k: number,
  runs: number,
  basePort: number,
  timeoutMs: number,
): Promise<PeerRuns> {
  const e = await exec(
    'bash',
    [peerScript(), '-k', String(k), '-runs', String(runs), '-base-port', String(basePort)],
    timeoutMs,
  );
  const lines = jsonLines(e.stdout);
  const recs: RunRecord[] = [];
  const errors: string[] = [];
  for (const o of lines) {
    if (o.impl !== 'hashicorp/memberlist') continue;
    if (typeof o.error === 'string') {
      errors.push(o.error);
      continue;
    }
    const r: RunRecord = {};
    for (const [key, v] of Object.entries(o)) if (typeof v === 'number' || typeof v === 'string') r[key] = v;
    recs.push(r);
  }
  if (recs.length === 0) return { ok: false, reason: errors[0] ?? failure(e) };
  return { ok: true, runs: recs, errors };
}

/** Go duration string ("1s", "500ms", "1m30s") in ms; NaN when unparsable. */
export function goDurationMs(s: string): number {
  const unit: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 1e-3,
    µs: 1e-3,
    ns: 1e-6,
  };
  let total = 0;
  let rest = s;
  if (rest === '0s') return 0;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/.exec(rest);
    if (m === null) return Number.NaN;
    total += Number(m[1]) * (unit[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}

export interface ConfigRow {
  readonly tunable: string;
  readonly memberlist: string;
  readonly ours: string;
  readonly same: boolean | null;
}

/** memberlist DefaultLANConfig field → our lanConfig() field, compared value by value. */
export function compareConfig(ml: Record<string, unknown>, ours: MembershipConfig): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const dur = (mlKey: string, ourKey: keyof MembershipConfig): void => {
    const v = ml[mlKey];
    const mlMs = typeof v === 'string' ? goDurationMs(v) : Number.NaN;
    const o = ours[ourKey] as number;
    rows.push({ tunable: `${mlKey} / ${ourKey}`, memberlist: String(v), ours: `${o} ms`, same: mlMs === o });
  };
  const num = (mlKey: string, ourKey: keyof MembershipConfig): void => {
    const v = ml[mlKey];
    const o = ours[ourKey] as number;
    rows.push({ tunable: `${mlKey} / ${ourKey}`, memberlist: String(v), ours: String(o), same: v === o });
  };
  dur('ProbeInterval', 'probeIntervalMs');
  dur('ProbeTimeout', 'probeTimeoutMs');
  num('IndirectChecks', 'indirectChecks');
  num('SuspicionMult', 'suspicionMult');
  num('SuspicionMaxTimeoutMult', 'suspicionMaxTimeoutMult');
  num('AwarenessMaxMultiplier', 'awarenessMaxMultiplier');
  num('RetransmitMult', 'retransmitMult');
  dur('GossipInterval', 'gossipIntervalMs');
  num('GossipNodes', 'gossipNodes');
  dur('GossipToTheDeadTime', 'gossipToTheDeadTimeMs');
  dur('PushPullInterval', 'pushPullIntervalMs');
  dur('TCPTimeout', 'tcpTimeoutMs');
  num('UDPBufferSize', 'udpBufferSizeBytes');
  rows.push({
    tunable: 'EnableCompression',
    memberlist: String(ml.EnableCompression),
    ours: 'none (no compression)',
    same: ml.EnableCompression === false,
  });
  rows.push({
    tunable: 'ProtocolVersion / protocolVersion',
    memberlist: String(ml.ProtocolVersion),
    ours: `${ours.protocolVersion} (own wire format)`,
    same: null,
  });
  return rows;
}
