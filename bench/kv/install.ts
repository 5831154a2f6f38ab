/**
 * Bench-only Debian packages (wrk, etcd-server), installed on demand with apt-get, saying so. Nothing here
 * runs unless the binary is missing; a failure is reported, never thrown, so the caller can fall back.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const APT_BUDGET_MS = 300_000;

/** The binary's path on PATH, or undefined. */
export function which(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, binary);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

function apt(args: readonly string[]): { ok: boolean; tail: string } {
  const r = spawnSync('apt-get', args, {
    encoding: 'utf8',
    timeout: APT_BUDGET_MS,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error === undefined ? '' : r.error.message}`;
  return { ok: r.status === 0, tail: text.trim().split('\n').slice(-3).join(' | ') };
}

/**
 * Makes sure `binary` is on PATH, installing Debian package `pkg` when it is not (`apt-get install -y`, and
 * after an `apt-get update` when that fails). Returns the binary's path, or undefined with the reason printed.
 */
export function ensureDebianBinary(binary: string, pkg: string): string | undefined {
  const found = which(binary);
  if (found !== undefined) return found;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    console.log(`kv: ${binary} is not installed and this is not root: cannot apt-get install ${pkg}`);
    return undefined;
  }
  console.log(`kv: ${binary} not found; installing the Debian package ${pkg} (apt-get install -y ${pkg})`);
  let r = apt(['install', '-y', '--no-install-recommends', pkg]);
  if (!r.ok) {
    console.log(`kv: apt-get install ${pkg} failed (${r.tail}); running apt-get update and trying again`);
    const u = apt(['update']);
    if (!u.ok) console.log(`kv: apt-get update failed: ${u.tail}`);
    r = apt(['install', '-y', '--no-install-recommends', pkg]);
  }
  const path = which(binary);
  if (r.ok && path !== undefined) {
    console.log(`kv: installed ${pkg} (${path})`);
    return path;
  }
  console.log(`kv: could not install ${pkg}: ${r.tail}`);
  return undefined;
}
