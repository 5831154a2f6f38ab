import { isLogLevel, LOG_LEVELS, type Logger, SILENT_LOGGER } from '../../src/runtime/logger.js';
import { createPinoLogger } from '../../src/runtime/pino-logger.js';

/**
 * The logger of a simulated cluster: silent unless `HEARSAY_SIM_LOG` names a level (debug, info, warn, error),
 * e.g. to replay a failing seed with its logs:
 *
 *   HEARSAY_SIM_LOG=debug HEARSAY_SEED=21 npx vitest run test/sim/store/replay.test.ts
 *
 * Lines are JSON on stderr (`HEARSAY_SIM_LOG_FORMAT=pretty` for pino-pretty's), stamped with the VIRTUAL time
 * `now()` (ms since the simulation started) and without pid or hostname, so the same seed prints the same lines.
 */
export function simLogger(now: () => number, env: NodeJS.ProcessEnv = process.env): Logger {
  const level = (env['HEARSAY_SIM_LOG'] ?? '').trim().toLowerCase();
  if (level === '' || level === 'silent') return SILENT_LOGGER;
  if (!isLogLevel(level)) {
    throw new Error(`HEARSAY_SIM_LOG must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  const format = (env['HEARSAY_SIM_LOG_FORMAT'] ?? 'json').trim().toLowerCase();
  if (format !== 'json' && format !== 'pretty') {
    throw new Error(`HEARSAY_SIM_LOG_FORMAT must be json or pretty, got ${JSON.stringify(format)}`);
  }
  return createPinoLogger({ level, format, time: now });
}
