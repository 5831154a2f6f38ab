import type { NodeId } from '../membership/member.js';
import type { Member } from '../membership/member-events.js';
import type { Logger } from '../runtime/logger.js';
import type { Storage } from '../storage/storage.js';
import { replicaId } from '../versioning/replica-id.js';

/**
 * The node's own small durable records, beside its data: the replica-id epoch (dots are minted under
 * `name#epoch` once a handoff deleted keys this replica coordinated) and the owner set the ring is placed
 * over (so a restart places keys like the rest of the cluster before membership has caught up).
 */

/** The node's own small records: the replica id epoch. */
const NODE_NAMESPACE = '\u0000node';
const EPOCH_KEY = new TextEncoder().encode('replica-epoch');

/** Epoch 0 mints dots as the node name itself; later epochs as `name#epoch` (after a handoff deleted keys). */
export function replicaIdFor(name: string, epoch: number) {
  return replicaId(epoch === 0 ? name : `${name}#${epoch}`);
}

/** Stores the epoch (after a handoff deleted keys this replica coordinated). */
export async function saveEpoch(storage: Storage, epoch: number): Promise<void> {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, epoch, false);
  await storage.put(NODE_NAMESPACE, { partition: 0, key: EPOCH_KEY }, out);
}

export async function loadEpoch(storage: Storage): Promise<number> {
  const bytes = await storage.get(NODE_NAMESPACE, { partition: 0, key: EPOCH_KEY });
  return bytes?.length === 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false) : 0;
}

/** Where the owner set lives (reserved namespace, partition 0, key = member id, value = JSON zone/addr). */
const OWNERS_NAMESPACE = '\u0000owners';
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export async function persistOwner(
  storage: Storage,
  change: { readonly added?: Member; readonly removed?: NodeId },
): Promise<void> {
  if (change.added !== undefined) {
    const m = change.added;
    const value = utf8.encode(JSON.stringify({ zone: m.zone, addr: m.addr }));
    await storage.put(OWNERS_NAMESPACE, { partition: 0, key: utf8.encode(m.id) }, value);
  }
  if (change.removed !== undefined) {
    await storage.delete(OWNERS_NAMESPACE, { partition: 0, key: utf8.encode(change.removed) });
  }
}

export async function loadOwners(storage: Storage, log: Logger): Promise<Member[]> {
  const out: Member[] = [];
  for await (const [k, v] of storage.iterate(OWNERS_NAMESPACE, { partition: 0 })) {
    try {
      const { zone, addr } = JSON.parse(utf8Decoder.decode(v)) as { zone: unknown; addr: unknown };
      if (typeof zone !== 'string' || typeof addr !== 'string') continue;
      out.push({
        id: utf8Decoder.decode(k.key) as NodeId,
        addr,
        zone,
        meta: {},
        incarnation: 0,
        state: 'dead',
      });
    } catch (err) {
      // An unreadable entry is skipped: membership will tell us about that owner again.
      log.warn({ err, member: utf8Decoder.decode(k.key) }, 'skipping an unreadable owner record');
    }
  }
  return out;
}
