import type { Random } from '../runtime/random.js';
import { VirtualTime } from '../runtime/virtual.js';
import type { Address } from '../transport/transport.js';
import { linkKey, type PacketCounters, zeroCounters } from './counters.js';
import { type LinkFaults, LinkTable } from './link-faults.js';
import type { NodeHost } from './node-host.js';
import { PartitionSet } from './partitions.js';
import { TraceHash } from './trace-hash.js';

/**
 * What both delivery paths of a SimNetwork (datagram-delivery.ts, request-delivery.ts) share: one virtual
 * time, one random stream drawn in event order, the link faults and partitions, the trace and the counters,
 * and the index that turns addresses into the dense integers all of them are keyed by.
 */
export class Medium {
  readonly time = new VirtualTime();
  readonly links: LinkTable;
  readonly partitions = new PartitionSet();
  readonly trace = new TraceHash();
  readonly totals = zeroCounters();
  /** Index of every address ever mentioned (nodes, partition members, packet destinations). */
  readonly addresses: Address[] = [];
  /** By address index: the host of every node ever added. */
  readonly hosts: (NodeHost | undefined)[] = [];
  private readonly indexes = new Map<Address, number>();
  private readonly perLink: Map<number, PacketCounters> | null;

  constructor(
    /** The network's draws (latency, loss, duplication, reordering), consumed in event order. */
    readonly random: Random,
    link: LinkFaults,
    perLinkCounters: boolean,
  ) {
    this.links = new LinkTable(link);
    this.perLink = perLinkCounters ? new Map() : null;
  }

  /** Whether a partition cuts src → dst (no partitions is the common case and costs one compare). */
  cut(src: number, dst: number): boolean {
    return this.partitions.size > 0 && this.partitions.blocks(src, dst);
  }

  /** The live counters of src → dst, created on first use; null when per-link counting is off. */
  countersFor(src: number, dst: number): PacketCounters | null {
    const m = this.perLink;
    if (m === null) return null;
    const k = linkKey(src, dst);
    let c = m.get(k);
    if (c === undefined) {
      c = zeroCounters();
      m.set(k, c);
    }
    return c;
  }

  /** A copy of src → dst's counters (zeros if nothing happened on it or per-link counting is off). */
  linkCounters(src: number, dst: number): PacketCounters {
    const c = this.perLink?.get(linkKey(src, dst));
    return c === undefined ? zeroCounters() : { ...c };
  }

  indexOf(address: Address): number {
    let i = this.indexes.get(address);
    if (i === undefined) {
      i = this.addresses.length;
      this.indexes.set(address, i);
      this.addresses.push(address);
    }
    return i;
  }

  hostOf(address: Address): NodeHost {
    const i = this.indexes.get(address);
    const h = i === undefined ? undefined : this.hosts[i];
    if (h === undefined) throw new Error(`unknown node ${address}`);
    return h;
  }
}
