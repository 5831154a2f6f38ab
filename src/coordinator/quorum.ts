/**
 * Per-request quorum values (DESIGN.md §9, §13: `?r=` and `?w=`): `one`, `quorum`, `all` or an
 * integer, resolved against the namespace's N. Like riak_kv_get_fsm / riak_kv_put_fsm, a symbolic
 * value is turned into a number once, before the request's core is built, and a value outside
 * [1, N] is rejected up front rather than left to time out (Riak answers `{n_val_violation, N}`).
 */

/** Which request parameter a value came from; it names the parameter in the error. */
export type QuorumParam = 'r' | 'w' | 'dw';

export type QuorumResult =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly param: QuorumParam; readonly input: string; readonly error: string };

export type StrictModeResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** A majority of N: floor(N/2) + 1, so any two quorums of the same N intersect. */
export function quorumSize(n: number): number {
  assertN(n);
  return Math.floor(n / 2) + 1;
}

// Canonical decimal only: no sign, no leading zeros, no exponent, so one value has one spelling.
const POSITIVE_INTEGER = /^[1-9][0-9]*$/;

/**
 * Resolve a request's `r`/`w`/`dw` value against N. Never throws on user input; throws only on a
 * bad N, which is a configuration bug, not a client error.
 */
export function resolveQuorum(param: QuorumParam, input: string, n: number): QuorumResult {
  assertN(n);
  switch (input) {
    case 'one':
      return { ok: true, value: 1 };
    case 'quorum':
      return { ok: true, value: quorumSize(n) };
    case 'all':
      return { ok: true, value: n };
  }
  if (POSITIVE_INTEGER.test(input)) {
    const value = Number(input);
    if (Number.isSafeInteger(value) && value <= n) return { ok: true, value };
  }
  return {
    ok: false,
    param,
    input,
    error: `${param} must be one, quorum, all or an integer in [1, ${n}]`,
  };
}

/**
 * Strict mode (DESIGN.md §9) needs every read quorum to intersect every write quorum, W + R > N.
 * It is necessary, not sufficient: without sloppy quorums off and write-back on read it still does
 * not give linearizability (docs/linearizability.md).
 */
export function strictModeCheck(n: number, r: number, w: number): StrictModeResult {
  assertN(n);
  if (w + r > n) return { ok: true };
  return { ok: false, error: `strict mode requires W + R > N (got W=${w}, R=${r}, N=${n})` };
}

function assertN(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
}

/**
 * The replica count N of a namespace without its own setting (DESIGN.md §9): Riak's and Cassandra's usual 3,
 * the smallest N where a quorum (2) survives one failed replica.
 */
export const DEFAULT_REPLICAS = 3;

/**
 * The largest N of any namespace: replicas are distinct members, and past a few dozen a write's fan-out and a
 * key's clock grow with no gain in durability (Riak and Cassandra clusters rarely run N above 5). Requests
 * cost O(N) replies, so the bound also caps one request's work.
 */
export const MAX_REPLICAS = 64;
