import type { HearsayNode } from '../node.js';

/** How long a signalled process waits for its nodes to leave before it exits anyway (docker stop gives 10 s). */
const STOP_BUDGET_MS = 8000;
/** How often `hearsay dev` checks that the process that started it (npm, a shell) is still there. */
const PARENT_POLL_MS = 500;

export interface StopOptions {
  /** Stop on SIGHUP too (the terminal closed). */
  readonly hangup: boolean;
  /** Stop when the parent process dies, e.g. npm killed by a signal it does not forward to us. */
  readonly watchParent: boolean;
}

/**
 * On SIGINT, SIGTERM (and, per `opts`, SIGHUP or the parent's death) every node in `nodes` leaves gracefully,
 * like `consul leave` on SIGINT: others record `left`, not `failed`. Then the process exits, within
 * STOP_BUDGET_MS even when a leave hangs, so no port outlives the signal. `nodes` is read when the signal comes:
 * installed before the first node starts, a signal during start-up stops the nodes started so far.
 */
export function stopOnSignals(nodes: readonly HearsayNode[], opts: StopOptions): void {
  let stopping = false;
  const stop = (why: string): void => {
    // Ctrl-C reaches us twice under npm (from the terminal and forwarded by npm): one stop is enough.
    if (stopping) return;
    stopping = true;
    // The terminal may be gone (SIGHUP, parent died): a failed write must not turn a stop into a crash.
    for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
    process.stderr.write(`hearsay: ${why}: stopping ${nodes.length} node(s)\n`);
    setTimeout(() => {
      process.stderr.write(`hearsay: nodes did not leave within ${STOP_BUDGET_MS} ms; exiting\n`);
      process.exit(1);
    }, STOP_BUDGET_MS);
    void Promise.allSettled(nodes.map((n) => n.leave())).then((left) => {
      const failed = left.filter((r) => r.status === 'rejected');
      for (const r of failed) process.stderr.write(`hearsay: leave failed: ${String(r.reason)}\n`);
      process.exit(failed.length === 0 ? 0 : 1);
    });
  };
  const signals: NodeJS.Signals[] = opts.hangup ? ['SIGINT', 'SIGTERM', 'SIGHUP'] : ['SIGINT', 'SIGTERM'];
  for (const sig of signals) process.on(sig, () => stop(sig));
  if (opts.watchParent) {
    // A killed parent cannot tell us; re-parenting (to init or a subreaper) changes our ppid.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop(`parent process ${parent} exited`);
    }, PARENT_POLL_MS).unref();
  }
  // Transport timers are unref'd; this keeps the process up until a signal.
  setInterval(() => {}, 1 << 30);
}
