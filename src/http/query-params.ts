/**
 * Query parameters as the HTTP API reads them: each route names the parameters it accepts, and anything else —
 * an unknown name, a parameter that applies to another method, a repeated one — is a 400 rather than silently
 * ignored, so a typo (`?w=` on a read) is an error the client sees.
 */

export type Query<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

/**
 * The query as one value per name, or why it is refused. `what` names the route or method in the error;
 * `elsewhere` are parameters of the same route's other methods, refused as not applying rather than unknown.
 */
export function singleParams(
  query: URLSearchParams,
  accepted: readonly string[],
  what: string,
  elsewhere: readonly string[] = [],
): Query<ReadonlyMap<string, string>> {
  const out = new Map<string, string>();
  for (const [k, v] of query) {
    if (!accepted.includes(k)) {
      const list = accepted.length === 0 ? 'none' : accepted.join(', ');
      const problem = elsewhere.includes(k)
        ? `parameter ${k} does not apply to ${what}`
        : `unknown parameter ${JSON.stringify(k)} for ${what}`;
      return { ok: false, error: `${problem} (accepted: ${list})` };
    }
    if (out.has(k)) return { ok: false, error: `parameter ${k} given more than once` };
    out.set(k, v);
  }
  return { ok: true, value: out };
}

/** An optional decimal integer parameter in [min, max]; `dflt` when absent. */
export function intParam(
  raw: string | undefined,
  name: string,
  min: number,
  max: number,
  dflt: number,
): Query<number> {
  if (raw === undefined) return { ok: true, value: dflt };
  const n = Number(raw);
  if (/^\d+$/.test(raw) && Number.isSafeInteger(n) && n >= min && n <= max) return { ok: true, value: n };
  return { ok: false, error: `${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}` };
}
