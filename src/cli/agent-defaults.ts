import { hostname } from 'node:os';
import type { Logger } from '../runtime/logger.js';
import { createPinoLogger } from '../runtime/pino-logger.js';
import { DEFAULT_DURABILITY } from '../storage/storage.js';
import type { AgentConfig } from './agent-config.js';

/** What an agent runs with when neither flags, env nor a config file say otherwise. */
export const AGENT_DEFAULTS: AgentConfig = {
  name: hostname().replace(/[^A-Za-z0-9_.-]/g, '-') || 'node',
  bind: '127.0.0.1',
  port: 7946,
  httpPort: 8080,
  join: [],
  dataDir: '',
  durability: DEFAULT_DURABILITY,
  zone: 'default',
  cluster: 'hearsay',
  mtuBytes: 1400,
  profile: 'lan',
  encrypt: [],
  label: '',
  logLevel: 'info',
  logFormat: 'auto',
  store: {},
};

/** The process's one logger (each node makes a child with `{ node: name }`): on stderr, synchronously. */
export function processLogger(cfg: Pick<AgentConfig, 'logLevel' | 'logFormat'>): Logger {
  const tty = process.stderr.isTTY === true;
  const pretty = cfg.logFormat === 'pretty' || (cfg.logFormat === 'auto' && tty);
  return createPinoLogger({
    level: cfg.logLevel,
    format: pretty ? 'pretty' : 'json',
    colorize: pretty && tty,
  });
}
