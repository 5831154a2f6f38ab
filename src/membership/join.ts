/**
 * Joining through seeds (memberlist `Join`, Serf's `retry_join`): push/pull (join = true) with every address
 * each seed resolves to, resolving names at every attempt so a seed that moved, or a DNS name that now lists
 * new pods, is found again; retried with exponential backoff until someone answers.
 */
import { type Address, formatAddress, parseAddress } from '../transport/transport.js';

export interface JoinResult {
  /** Seeds (resolved addresses) that answered the push/pull. */
  readonly contacted: number;
  readonly errors: readonly string[];
}

export interface JoinComponents {
  /** DNS for seed names. Default: the host itself (IP literals only). */
  readonly resolve?: ((host: string) => Promise<readonly string[]>) | undefined;
  /** One push/pull exchange (PushPullSync.exchange): null on success, else why it failed. */
  readonly exchange: (addr: Address, join: boolean) => Promise<string | null>;
  /** Our own address: a seed list that names us is not an error, we just skip ourselves. */
  readonly localAddr: Address;
}

export interface RetryComponents {
  readonly sleep: (ms: number) => Promise<void>;
  /** True once the node stopped: retrying ends. */
  readonly stopped: () => boolean;
  /** Told of every attempt that reached no seed, and the wait before the next one (undefined: the last). */
  readonly failed?: (attempt: number, result: JoinResult, retryInMs: number | undefined) => void;
}

export interface RetryInit {
  readonly joinRetryIntervalMs: number;
  readonly joinRetryMaxIntervalMs: number;
  /** 0 = until stopped. */
  readonly joinMaxAttempts: number;
}

/**
 * Contacts each seed once. Returns how many answered; memberlist's Join returns the same count and an error
 * only when it is zero.
 */
export async function joinSeeds(c: JoinComponents, seeds: readonly string[]): Promise<JoinResult> {
  const errors: string[] = [];
  let contacted = 0;
  for (const seed of seeds) {
    const parsed = parseAddress(seed);
    if (parsed === null) {
      errors.push(`${seed}: not host:port`);
      continue;
    }
    let hosts: readonly string[];
    try {
      hosts = c.resolve === undefined ? [parsed.host] : await c.resolve(parsed.host);
    } catch (err) {
      errors.push(`${seed}: cannot resolve: ${(err as Error).message}`);
      continue;
    }
    for (const host of hosts) {
      const addr = formatAddress(host, parsed.port);
      if (addr === c.localAddr) continue;
      const outcome = await c.exchange(addr, true);
      if (outcome === null) contacted++;
      else errors.push(`${addr}: ${outcome}`);
    }
  }
  return { contacted, errors };
}

/**
 * Repeats `attempt` with exponential backoff from joinRetryIntervalMs up to joinRetryMaxIntervalMs until
 * someone answered, joinMaxAttempts attempts were made, or the node stopped.
 */
export async function retryJoin(
  c: RetryComponents,
  init: RetryInit,
  attempt: () => Promise<JoinResult>,
): Promise<JoinResult> {
  let waitMs = init.joinRetryIntervalMs;
  for (let n = 1; ; n++) {
    const r = await attempt();
    if (r.contacted > 0 || c.stopped()) return r;
    const last = init.joinMaxAttempts > 0 && n >= init.joinMaxAttempts;
    c.failed?.(n, r, last ? undefined : waitMs);
    if (last) return r;
    await c.sleep(waitMs);
    if (c.stopped()) return r;
    waitMs = Math.min(waitMs * 2, init.joinRetryMaxIntervalMs);
  }
}
