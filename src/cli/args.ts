import { InvalidArgumentError } from 'commander';
import { MAX_REQUEST_TIMEOUT_MS } from '../coordinator/config.js';
import { parseAddress } from '../transport/transport.js';

/** Parsers of command-line values shared by the commands in main.ts and kv-commands.ts. */

/** A commander parser for an integer flag in [min, max]. */
export function intArg(min: number, max: number, note = '') {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer in [${min}, ${max}]${note}`);
    }
    return n;
  };
}

/**
 * `--timeout <ms>` of the client commands: the agent's default limit, so a value the agent would refuse with
 * a 400 is refused here before anything is sent.
 */
export const timeoutArg = intArg(1, MAX_REQUEST_TIMEOUT_MS, " (the agent's limit on ?timeout=)");

export type HttpAddress =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly error: string };

/**
 * `--http`: an agent's HTTP API as `host:port`, `http://host:port` or `http://host:port/` (IPv6 as `[::1]:port`),
 * normalised to `host:port`. Anything that would not reach the API root over plain HTTP — https, credentials,
 * a path, a query — is refused with the reason, rather than silently dropped.
 */
export function parseHttpAddress(value: string): HttpAddress {
  const bad = (why: string): HttpAddress => ({ ok: false, error: `--http "${value}" ${why}` });
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(value);
  if (scheme === null) {
    return parseAddress(value) === null
      ? bad('is not host:port or http://host:port')
      : { ok: true, address: value };
  }
  const name = (scheme[1] as string).toLowerCase();
  if (name === 'https') return bad('uses https, but the agent serves plain HTTP: use http://host:port');
  if (name !== 'http') return bad(`has scheme "${name}": use host:port or http://host:port`);
  const rest = scheme[2] as string;
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? '' : rest.slice(end);
  if (authority.includes('@')) return bad('has credentials: the agent takes no user:password in the URL');
  // Only the root: `/` alone is how URLs are often copied; anything more would be silently dropped.
  const after = tail.startsWith('/') ? tail.slice(1) : tail;
  if (after.startsWith('?')) return bad('has a query: give only http://host:port');
  if (after.startsWith('#')) return bad('has a fragment: give only http://host:port');
  if (after !== '') return bad('has a path: give only http://host:port (the command adds the path)');
  if (parseAddress(authority) === null) return bad('is not http://host:port (a port is required)');
  return { ok: true, address: authority };
}
