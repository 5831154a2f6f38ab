import {
  type AaeEntry,
  type AaeFailureKind,
  type AaeRequest,
  type AaeResponse,
  decodeAaeRequest,
  encodeAaeResponse,
} from './aae-rpc.js';
import { HASH_BYTES } from './merkle-hash.js';
import type { PartitionScanner, PartitionTrees } from './partition-trees.js';
import { isValidRequest } from './tree-diff.js';

export interface AaeServiceComponents {
  readonly trees: PartitionTrees;
  readonly scanner: PartitionScanner;
  /** Whether `ns` may be exchanged (a client namespace or the global one; never the node's reserved ones). */
  readonly exchangeable: (ns: string) => boolean;
}

export interface AaeServiceInit {
  /** Ring size Q: a request naming a partition outside [0, Q) is refused. */
  readonly partitions: number;
}

/**
 * The serving side of a Merkle exchange (stream service 2): the hashes of some nodes of one level of a
 * partition's tree, and every key of some segments with its set bytes. Never throws on bad input: a bad
 * request is a `bad_request` answer.
 */
export class AaeService {
  readonly #c: AaeServiceComponents;
  readonly #partitions: number;

  constructor(components: AaeServiceComponents, init: AaeServiceInit) {
    this.#c = components;
    this.#partitions = init.partitions;
  }

  async handleBytes(bytes: Uint8Array): Promise<Uint8Array> {
    const d = decodeAaeRequest(bytes);
    if (!d.ok) return encodeAaeResponse(failure('bad_request', d.error));
    return encodeAaeResponse(await this.handle(d.value));
  }

  async handle(req: AaeRequest): Promise<AaeResponse> {
    const { ns, partition } = req;
    if (!(Number.isInteger(partition) && partition >= 0 && partition < this.#partitions)) {
      return failure('bad_request', `partition ${partition} outside [0, ${this.#partitions})`);
    }
    if (!this.#c.exchangeable(ns))
      return failure('bad_request', `namespace ${JSON.stringify(ns)} is not exchanged`);
    const tree = await this.#c.trees.tree(ns, partition);
    if (req.op === 'tree-level') {
      if (!isValidRequest(tree.shape, { level: req.level, indexes: req.indexes })) {
        return failure('bad_request', `no such tree nodes on level ${req.level}`);
      }
      const hashes = tree.hashesAt(req.level, req.indexes);
      const out = new Uint8Array(hashes.length * HASH_BYTES);
      hashes.forEach((h, i) => {
        out.set(h, i * HASH_BYTES);
      });
      return { kind: 'hashes', hashes: out };
    }
    if (req.segments.some((x) => !(Number.isInteger(x) && x >= 0 && x < tree.config.segments))) {
      return failure('bad_request', `segments must be in [0, ${tree.config.segments})`);
    }
    const wanted = new Set(req.segments);
    const entries: AaeEntry[] = [];
    for await (const e of this.#c.scanner.iteratePartition(ns, partition)) {
      if (e.ok && wanted.has(tree.segmentOf(e.key))) entries.push({ key: e.key, setBytes: e.setBytes });
    }
    return { kind: 'entries', entries };
  }
}

function failure(kind: AaeFailureKind, message: string): AaeResponse {
  return { kind: 'failure', failure: kind, message };
}
