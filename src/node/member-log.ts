import type { MemberState } from '../membership/member.js';
import type { Member } from '../membership/member-events.js';
import type { Membership } from '../membership/membership.js';
import { type MembershipMetrics, NOOP_MEMBERSHIP_METRICS } from '../membership/membership-metrics.js';
import type { Logger } from '../runtime/logger.js';

/**
 * Logs, at info, every change of another member's state as this node sees it: joined, alive → suspect → dead,
 * left, and back to alive (a refuted suspicion, a rejoin). Built from outside the membership layer: its event
 * stream (memberlist's EventDelegate: join, update, fail, leave) covers all but the start of a suspicion,
 * which emits no event, so the metrics hook `suspicionStarted` triggers a look at the member table too.
 * Metadata-only updates are logged at debug. This node's own lifecycle is the node's to log (node.ts).
 *
 * Wiring: `metrics(inner)` goes into the Membership's components, `attach(membership)` once it exists.
 */
export class MemberStateLog {
  readonly #log: Logger;
  readonly #states = new Map<string, MemberState>();
  #membership: Pick<Membership, 'name' | 'members' | 'onEvent'> | undefined;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** `inner` with `suspicionStarted` also looking for the member that just became suspect. */
  metrics(inner: MembershipMetrics = NOOP_MEMBERSHIP_METRICS): MembershipMetrics {
    // Every method forwarded to `inner` (the no-op object lists them all), bound once: no cost per call.
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(NOOP_MEMBERSHIP_METRICS) as (keyof MembershipMetrics)[]) {
      const method = inner[name] as (...args: unknown[]) => void;
      out[name] = method.bind(inner);
    }
    out['suspicionStarted'] = (): void => {
      inner.suspicionStarted();
      this.#scan();
    };
    return out as unknown as MembershipMetrics;
  }

  /** Starts following `membership`; the members it holds now are the baseline, not news. Returns a stop. */
  attach(membership: Pick<Membership, 'name' | 'members' | 'onEvent'>): () => void {
    this.#membership = membership;
    for (const m of membership.members()) this.#states.set(m.id, m.state);
    return membership.onEvent((e) => {
      if (e.kind !== 'user') this.#observe(e.member);
    });
  }

  #scan(): void {
    for (const m of this.#membership?.members() ?? []) this.#observe(m, false);
  }

  /** `event`: the member table announced this member (a scan reports only changes). */
  #observe(m: Member, event = true): void {
    if (m.id === this.#membership?.name) return;
    const before = this.#states.get(m.id);
    this.#states.set(m.id, m.state);
    if (before === undefined) {
      this.#log.info(
        { member: m.id, addr: m.addr, zone: m.zone, state: m.state, incarnation: m.incarnation },
        'member joined',
      );
    } else if (before !== m.state) {
      this.#log.info(
        { member: m.id, addr: m.addr, from: before, to: m.state, incarnation: m.incarnation },
        'member state changed',
      );
    } else if (event) {
      this.#log.debug({ member: m.id, state: m.state, incarnation: m.incarnation }, 'member updated');
    }
  }
}
