import { RESERVED_NAMESPACE_PREFIX } from '../replica/replica.js';
import { keyError, MAX_NAMESPACE_BYTES } from '../storage/layout.js';
import type { CoordinatorConfig } from './config.js';
import type { NamespaceConfig } from './namespace-config.js';
import { resolveQuorum, strictModeCheck } from './quorum.js';
import { invalid, type KvInvalid } from './results.js';

/**
 * The validate step of every request (riak_kv_put_fsm's `validate`), run once before anything is asked of a
 * replica: the namespace name, the key (the one key limit, storage/layout.ts), the timeout, and the request's
 * quorum against the namespace's N (in strict namespaces, W + R > N).
 */

export interface RequestQuorum {
  /** The request's quorum (R of a read, W of a write) as a count. */
  readonly quorum: number;
  /** Strict namespaces: the read quorum (R) a write's first phase and a read use, else undefined. */
  readonly strictR?: number;
}

/** The namespace name, the key and the timeout (ms, the config's default when absent). */
export function validateRequest(
  config: CoordinatorConfig,
  req: { readonly ns: string; readonly key: Uint8Array; readonly timeoutMs?: number | undefined },
): KvInvalid | { readonly kind: 'ok'; readonly timeoutMs: number } {
  const nsBytes = Buffer.byteLength(req.ns);
  if (nsBytes === 0 || nsBytes > MAX_NAMESPACE_BYTES || req.ns.startsWith(RESERVED_NAMESPACE_PREFIX)) {
    return invalid(`namespace must be 1..${MAX_NAMESPACE_BYTES} bytes and must not start with NUL`);
  }
  const badKey = keyError(req.key);
  if (badKey !== undefined) return invalid(badKey);
  const timeoutMs = req.timeoutMs ?? config.timeoutMs;
  if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= config.maxTimeoutMs)) {
    return invalid(`timeout must be an integer number of ms in [1, ${config.maxTimeoutMs}]`);
  }
  return { kind: 'ok', timeoutMs };
}

/**
 * The request's quorum (`?r=`/`?w=`, the namespace's default when absent) as a count within N; in strict
 * namespaces with the namespace's other quorum it must still overlap (W + R > N).
 */
export function requestQuorum(
  ns: NamespaceConfig,
  role: 'r' | 'w',
  asked: string | undefined,
): KvInvalid | RequestQuorum {
  const q = resolveQuorum(role, asked ?? ns[role], ns.n);
  if (!q.ok) return invalid(q.error);
  if (!ns.strict) return { quorum: q.value };
  const otherRole = role === 'r' ? 'w' : 'r';
  const other = resolveQuorum(otherRole, ns[otherRole], ns.n);
  if (!other.ok) return invalid(other.error);
  const [r, w] = role === 'r' ? [q.value, other.value] : [other.value, q.value];
  const s = strictModeCheck(ns.n, r, w);
  return s.ok ? { quorum: q.value, strictR: r } : invalid(s.error);
}
