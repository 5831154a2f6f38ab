/**
 * The member table's storage: its members kept sorted by id, with when each one's state last changed here,
 * how many are in each state, and the checksum of the view. No rules live here; `member-table.ts` decides
 * what to store, this file only keeps it searchable and cheap to hand out.
 */
import { checksumOfSorted } from './checksum.js';
import type { MemberState, NodeId } from './member.js';
import type { Member } from './member-events.js';
import { internMember } from './member-records.js';

/**
 * Index of `id` in `sorted` (ascending by id, as members() returns them), or where it would be inserted.
 * Exported so lists derived from members() (the gossip targets) stay in the table's order.
 */
export function indexById(sorted: readonly { readonly id: NodeId }[], id: NodeId): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as { readonly id: NodeId }).id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function byId(a: Member, b: Member): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class SortedMembers {
  /**
   * The members, kept sorted by id on every change (binary search + splice); lookups binary-search it too.
   * members() and its users (push/pull state, probe and gossip target lists, reaping) used to sort the
   * whole table per call; in a 1,000-node join storm they run thousands of times per node while the table
   * changes by one member at a time. There is no id → member Map beside it: at 10,000 members a Map costs
   * ~46 bytes per entry against the array's 8, and the simulator holds 10,000 such tables
   * (docs/membership.md), while a lookup is ~14 compares of interned names.
   * Handed out by all() without copying; `shared` makes the next change copy it first.
   */
  private sorted: Member[] = [];
  private shared = false;
  /** When each member's state last changed (caller time), aligned with `sorted`. */
  private since: number[] = [];
  private readonly counts: Record<MemberState, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
  /** membershipChecksum of the current members; null after any change. The simulator asks for it per node per step. */
  private checksumCache: string | null = null;

  get(id: NodeId): Member | undefined {
    const m = this.sorted[indexById(this.sorted, id)];
    return m !== undefined && m.id === id ? m : undefined;
  }

  /** When `id`'s state last changed, in the caller's time. */
  sinceMs(id: NodeId): number | undefined {
    const i = indexById(this.sorted, id);
    return this.sorted[i]?.id === id ? this.since[i] : undefined;
  }

  /** Every member, sorted by id; not a copy, so callers must not hold on to it across a change they make. */
  all(): readonly Member[] {
    this.shared = true;
    return this.sorted;
  }

  get size(): number {
    return this.sorted.length;
  }

  countByState(): Readonly<Record<MemberState, number>> {
    return { ...this.counts };
  }

  checksum(): string {
    this.checksumCache ??= checksumOfSorted(this.sorted);
    return this.checksumCache;
  }

  /**
   * Adds `m` (interned), or replaces the member with its id; `sinceMs` is its new state-change time, or
   * undefined to keep the one it has. Returns the stored record.
   */
  put(m: Member, sinceMs: number | undefined): Member {
    const record = internMember(m);
    this.changing();
    const i = indexById(this.sorted, m.id);
    const old = this.sorted[i];
    if (old !== undefined && old.id === m.id) {
      this.counts[old.state]--;
      this.sorted[i] = record;
      if (sinceMs !== undefined) this.since[i] = sinceMs;
    } else {
      this.sorted.splice(i, 0, record);
      this.since.splice(i, 0, sinceMs ?? 0);
    }
    this.counts[record.state]++;
    return record;
  }

  remove(id: NodeId): void {
    const i = indexById(this.sorted, id);
    const old = this.sorted[i];
    if (old === undefined || old.id !== id) return;
    this.changing();
    this.counts[old.state]--;
    this.sorted.splice(i, 1);
    this.since.splice(i, 1);
  }

  /**
   * Adds `members` (none of them known yet) with state-change time `nowMs`; of repeated ids the first wins.
   * One merge of two sorted runs: inserting a 10,000-member snapshot one splice at a time is quadratic.
   */
  addAll(members: readonly Member[], nowMs: number): void {
    const added = members.map(internMember).sort(byId);
    if (added.length === 0) return;
    const sorted: Member[] = [];
    const since: number[] = [];
    let i = 0;
    for (const r of added) {
      if (sorted.length > 0 && (sorted[sorted.length - 1] as Member).id === r.id) continue; // duplicate id
      while (i < this.sorted.length && (this.sorted[i] as Member).id < r.id) {
        sorted.push(this.sorted[i] as Member);
        since.push(this.since[i++] as number);
      }
      sorted.push(r);
      since.push(nowMs);
      this.counts[r.state]++;
    }
    for (; i < this.sorted.length; i++) {
      sorted.push(this.sorted[i] as Member);
      since.push(this.since[i] as number);
    }
    this.sorted = sorted;
    this.shared = false;
    this.since = since;
    this.checksumCache = null;
  }

  /**
   * Ids of the members whose state has lasted longer than `timeoutMs(member)` (undefined: forever) at `nowMs`.
   * One pass over the aligned arrays, where a since lookup per member would binary-search each.
   */
  expired(nowMs: number, timeoutMs: (m: Member) => number | undefined): NodeId[] {
    const ids: NodeId[] = [];
    for (let i = 0; i < this.sorted.length; i++) {
      const m = this.sorted[i] as Member;
      const t = timeoutMs(m);
      if (t !== undefined && nowMs - (this.since[i] as number) > t) ids.push(m.id);
    }
    return ids;
  }

  /** Before any change: the checksum is stale, and an array handed out by all() must not change under its holder. */
  private changing(): void {
    this.checksumCache = null;
    if (this.shared) {
      this.sorted = this.sorted.slice();
      this.shared = false;
    }
  }
}
