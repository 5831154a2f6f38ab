import { describe, expect, it } from 'vitest';
import { lanConfig } from '../../../src/membership/config.js';
import type { Membership } from '../../../src/membership/membership.js';
import { assembleNode } from '../../../src/node/assemble.js';
import { type Logger, SILENT_LOGGER } from '../../../src/runtime/logger.js';
import { SimNetwork } from '../../../src/sim/index.js';
import { simEnv } from '../helpers.js';
import { withSeed } from '../seed.js';

/** A logger that keeps warn lines (message and fields). */
function warnings(): Logger & { lines: { msg: string; fields: Record<string, unknown> }[] } {
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  const log = {
    ...SILENT_LOGGER,
    lines,
    warn: (fields: Record<string, unknown>, msg: string) => {
      lines.push({ msg, fields });
    },
  } as Logger & { lines: { msg: string; fields: Record<string, unknown> }[] };
  log.child = () => log;
  return log;
}

describe('membership logs the failures it survives (simulated)', () => {
  it('a join attempt nobody answers and a listener that throws are warnings, and the protocol goes on', async () => {
    await withSeed(31, async (seed) => {
      const sim = new SimNetwork({ seed });
      // Through the node assembly, which hands Membership the node's logger (component: membership).
      const start = async (i: number, logger?: Logger): Promise<Membership> => {
        const simNode = sim.addNode(`n${i}:7946`);
        const node = await assembleNode(
          simEnv(simNode, {
            ...(logger ? { logger } : {}),
          }),
          { name: `n${i}`, cluster: 'sim', membership: lanConfig(), store: false },
        );
        node.start();
        return node.membership;
      };
      const log = warnings();
      const joiner = await start(1, log);
      joiner.onEvent(() => {
        throw new Error('listener bug');
      });
      let done = false;
      void joiner.joinWithRetry(['n0:7946']).then(() => {
        done = true;
      });
      await sim.run(2_500);
      const failedJoins = log.lines.filter((l) => l.msg === 'no seed answered the join attempt');
      expect(failedJoins.length).toBeGreaterThanOrEqual(2);
      expect(failedJoins[0]?.fields).toMatchObject({ attempt: 1, retryInMs: 1000 });
      await start(0);
      await sim.runUntil(() => done && joiner.countByState().alive === 2, 60_000);
      expect(joiner.countByState().alive).toBe(2);
      const listener = log.lines.filter((l) => l.msg === 'a membership event listener threw');
      expect(listener.length).toBeGreaterThanOrEqual(1);
      expect(String(listener[0]?.fields['err'])).toContain('listener bug');
    });
  });
});
