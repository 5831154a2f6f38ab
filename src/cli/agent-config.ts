import { readFileSync } from 'node:fs';
import {
  defaultKvConfig,
  type KvConfigOverrides,
  mergeKvOverrides,
  STORE_SECTIONS,
} from '../node/store-config.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../runtime/logger.js';
import { DURABILITIES, type Durability, isDurability } from '../storage/storage.js';

/**
 * The agent's settings (DESIGN.md §13). Each has a flag, an env var (HEARSAY_<NAME>) and a config-file key;
 * precedence is flag > env > file > default, as with consul and serf agents.
 */
export interface AgentConfig {
  /** Unique node name in the cluster. Default: the host name. */
  readonly name: string;
  /** Address to bind gossip (UDP) and stream (TCP) sockets to. Default 127.0.0.1 (safe for a laptop). */
  readonly bind: string;
  /** Gossip port, UDP and TCP on the same number (memberlist's 7946 by default). */
  readonly port: number;
  /** HTTP API port (used once the key API lands, #5). Default 8080. */
  readonly httpPort: number;
  /** Seed addresses to join, host:port. Default none (a cluster of one). */
  readonly join: readonly string[];
  /** Storage directory, or ':memory:' for the in-memory engine. Default ./data/<name>. */
  readonly dataDir: string;
  /**
   * When a replica's write is acknowledged: `sync` (default) once fsync'd, surviving power loss; `os` once
   * in the OS page cache, surviving kill -9 of the agent but not power loss (src/storage/storage.ts).
   */
  readonly durability: Durability;
  /** Failure zone (rack/AZ) for replica placement. Default 'default'. */
  readonly zone: string;
  /** Cluster name; packets carrying another name are dropped and counted. Default 'hearsay'. */
  readonly cluster: string;
  /** Largest UDP datagram to send, bytes (memberlist's UDPBufferSize is 1400). */
  readonly mtuBytes: number;
  /** Membership timing profile: memberlist's `lan` (default), `wan`, or `local` (loopback, fast detection). */
  readonly profile: 'lan' | 'wan' | 'local';
  /**
   * Gossip encryption keys, base64 AES-256 (32 bytes), comma-separated; the first is primary (serf
   * `-encrypt`, memberlist Keyring). Empty: no encryption.
   */
  readonly encrypt: readonly string[];
  /** Cluster label authenticated on every packet (memberlist Label). Empty: none. */
  readonly label: string;
  /** Lowest level logged: debug, info (default), warn, error or silent. */
  readonly logLevel: LogLevel;
  /** Log lines on stderr: `json` (one object per line), `pretty` (pino-pretty), or `auto` (default): pretty on a terminal. */
  readonly logFormat: 'json' | 'pretty' | 'auto';
  /**
   * Store settings over the defaults (src/node/store-config.ts: partitions, namespace N/R/W, strict, conflict,
   * timeouts…), from the config file's `store` object only, one object per section — e.g.
   * `{"store": {"namespaces": {"bank": {"strict": true}}, "request": {"timeoutMs": 2000}, "rumor": {"k": 4}}}`.
   */
  readonly store: KvConfigOverrides;
}

/** Raw values as given by one source (flags, env, file); strings until validated. */
export type RawAgentConfig = Partial<
  Record<Exclude<keyof AgentConfig, 'store'>, string | number | readonly string[]>
> & {
  readonly store?: Record<string, unknown>;
};

export const AGENT_KEYS: readonly Exclude<keyof AgentConfig, 'store'>[] = [
  'name',
  'bind',
  'port',
  'httpPort',
  'join',
  'dataDir',
  'durability',
  'zone',
  'cluster',
  'mtuBytes',
  'profile',
  'encrypt',
  'label',
  'logLevel',
  'logFormat',
];

/** A configuration problem, reported to the user as one line and a non-zero exit. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** HEARSAY_HTTP_PORT for httpPort, etc. */
export function envName(key: Exclude<keyof AgentConfig, 'store'>): string {
  return `HEARSAY_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export function fromEnv(env: NodeJS.ProcessEnv): RawAgentConfig {
  const raw: RawAgentConfig = {};
  for (const key of AGENT_KEYS) {
    const v = env[envName(key)];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  return raw;
}

export function fromFile(path: string): RawAgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  let raw: RawAgentConfig = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (k === 'store') {
      raw = { ...raw, store: checkStore(path, v) };
      continue;
    }
    if (!(AGENT_KEYS as readonly string[]).includes(k)) {
      throw new ConfigError(
        `config file ${path}: unknown key "${k}" (known: ${AGENT_KEYS.join(', ')}, store)`,
      );
    }
    if (typeof v !== 'string' && typeof v !== 'number' && !Array.isArray(v)) {
      throw new ConfigError(`config file ${path}: "${k}" must be a string, number or list`);
    }
    raw = { ...raw, [k]: v as string | number | readonly string[] };
  }
  return raw;
}

/**
 * The `store` object: known keys only, and inside each section (`request`, `rumor`, …) that section's known
 * fields, so a typo is an error naming the key; the node validates the values against KvConfig's rules.
 */
function checkStore(path: string, v: unknown): Record<string, unknown> {
  const isObject = (x: unknown): x is Record<string, unknown> =>
    x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isObject(v)) throw new ConfigError(`config file ${path}: "store" must be an object`);
  const defaults = defaultKvConfig() as unknown as Record<string, unknown>;
  const known = Object.keys(defaults);
  for (const [k, value] of Object.entries(v)) {
    if (!known.includes(k)) {
      throw new ConfigError(`config file ${path}: unknown store key "${k}" (known: ${known.join(', ')})`);
    }
    if (!(STORE_SECTIONS as readonly string[]).includes(k)) continue;
    if (!isObject(value)) throw new ConfigError(`config file ${path}: store key "${k}" must be an object`);
    const fields = Object.keys(defaults[k] as object);
    for (const f of Object.keys(value)) {
      if (!fields.includes(f)) {
        throw new ConfigError(
          `config file ${path}: unknown store key "${k}.${f}" (known in ${k}: ${fields.join(', ')})`,
        );
      }
    }
  }
  return v;
}

/** Merges sources (later wins) over the defaults and validates every field. */
export function resolveAgentConfig(defaults: AgentConfig, ...sources: RawAgentConfig[]): AgentConfig {
  const merged: RawAgentConfig = {};
  let store: Record<string, unknown> = {};
  for (const s of sources) {
    for (const key of AGENT_KEYS) if (s[key] !== undefined) (merged as Record<string, unknown>)[key] = s[key];
    if (s.store !== undefined) store = s.store;
  }
  const str = (key: keyof AgentConfig, fallback: string): string => {
    const v = merged[key];
    if (v === undefined) return fallback;
    if (Array.isArray(v)) throw new ConfigError(`${key} must be a single value`);
    const s = String(v).trim();
    if (s === '') throw new ConfigError(`${key} must not be empty`);
    return s;
  };
  const port = (key: keyof AgentConfig, fallback: number, allowZero: boolean): number => {
    const v = merged[key];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) {
      throw new ConfigError(
        `${key} must be an integer port in [${allowZero ? 0 : 1}, 65535], got "${String(v)}"`,
      );
    }
    return n;
  };
  const joinRaw = merged.join;
  const join =
    joinRaw === undefined
      ? defaults.join
      : (Array.isArray(joinRaw) ? joinRaw.map(String) : String(joinRaw).split(','))
          .map((s) => s.trim())
          .filter((s) => s !== '');
  for (const seed of join) {
    if (
      !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(seed) ||
      Number(seed.split(':').pop()) > 65535
    ) {
      throw new ConfigError(`join: "${seed}" is not host:port`);
    }
  }
  const name = str('name', defaults.name);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name)) {
    throw new ConfigError(`name "${name}" must be 1–128 characters of letters, digits, '.', '_' or '-'`);
  }
  const mtuBytes = Number(merged.mtuBytes ?? defaults.mtuBytes);
  if (!Number.isInteger(mtuBytes) || mtuBytes < 512 || mtuBytes > 65_000) {
    throw new ConfigError(`mtuBytes must be an integer in [512, 65000], got "${String(merged.mtuBytes)}"`);
  }
  const profile = str('profile', defaults.profile);
  if (profile !== 'lan' && profile !== 'wan' && profile !== 'local') {
    throw new ConfigError(`profile must be lan, wan or local, got "${profile}"`);
  }
  const encryptRaw = merged.encrypt;
  const encrypt =
    encryptRaw === undefined
      ? defaults.encrypt
      : (Array.isArray(encryptRaw) ? encryptRaw.map(String) : String(encryptRaw).split(','))
          .map((k) => k.trim())
          .filter((k) => k !== '');
  const labelRaw = merged.label;
  const label = labelRaw === undefined ? defaults.label : String(labelRaw);
  if (Buffer.byteLength(label) > 255) throw new ConfigError('label must be at most 255 bytes');
  const durability = str('durability', defaults.durability).toLowerCase();
  if (!isDurability(durability)) {
    throw new ConfigError(`durability must be one of ${DURABILITIES.join(', ')}, got "${durability}"`);
  }
  const logLevel = str('logLevel', defaults.logLevel).toLowerCase();
  if (!isLogLevel(logLevel)) {
    throw new ConfigError(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const logFormat = str('logFormat', defaults.logFormat).toLowerCase();
  if (logFormat !== 'json' && logFormat !== 'pretty' && logFormat !== 'auto') {
    throw new ConfigError(`logFormat must be json, pretty or auto, got "${logFormat}"`);
  }
  return {
    durability,
    logLevel,
    logFormat,
    profile,
    encrypt,
    label,
    name,
    bind: str('bind', defaults.bind),
    port: port('port', defaults.port, true),
    httpPort: port('httpPort', defaults.httpPort, true),
    join,
    dataDir: str('dataDir', defaults.dataDir === '' ? `./data/${name}` : defaults.dataDir),
    zone: str('zone', defaults.zone),
    cluster: str('cluster', defaults.cluster),
    mtuBytes,
    store: mergeKvOverrides(defaults.store, store as KvConfigOverrides),
  };
}
