import { describe, expect, it } from 'vitest';
import { nodeId } from '../../../src/membership/member.js';
import type { Member } from '../../../src/membership/member-events.js';
import { KvStore } from '../../../src/node/kv-store.js';
import { defaultKvConfig } from '../../../src/node/store-config.js';
import { GLOBAL_NAMESPACE, GLOBAL_PARTITION } from '../../../src/replica/global-namespace.js';
import { encodeRumorPayload } from '../../../src/replica/rumor-payload.js';
import { seededRandom } from '../../../src/runtime/random.js';
import { VirtualClock, VirtualScheduler, VirtualTime } from '../../../src/runtime/virtual.js';
import { openMemoryStorage } from '../../../src/storage/memory-storage.js';
import { type Namespace, type Storage, StorageError, type StoreKey } from '../../../src/storage/storage.js';
import type { Transport } from '../../../src/transport/transport.js';
import { newSet, update } from '../../../src/versioning/dvvset.js';
import { encodeSet } from '../../../src/versioning/dvvset-codec.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { bytesValue } from '../../../src/versioning/versioned-value.js';
import { CapturingLogger } from '../runtime/capturing-logger.js';

// A failure the store survives and would otherwise swallow — a disk write that fails where no reply carries
// the error — is logged at warn with its cause.

const utf8 = new TextEncoder();

/** The memory engine, except that puts into the namespaces `failing` holds throw an engine error. */
function failingStorage(failing: Set<Namespace>): Storage {
  const inner = openMemoryStorage();
  return {
    engine: 'failing',
    durable: false,
    get: (ns, key) => inner.get(ns, key),
    put: async (ns: Namespace, key: StoreKey, value: Uint8Array) => {
      if (failing.has(ns)) throw new StorageError('io', `disk on fire (${JSON.stringify(ns)})`);
      return inner.put(ns, key, value);
    },
    delete: (ns, key) => inner.delete(ns, key),
    batch: (ops) => inner.batch(ops),
    iterate: (ns, options) => inner.iterate(ns, options),
    close: () => inner.close(),
  };
}

const member = (id: string): Member => ({
  id: nodeId(id),
  addr: `${id}:7946`,
  zone: '',
  meta: {},
  incarnation: 1,
  state: 'alive',
});

async function openStore(failing: Set<Namespace>): Promise<{ kv: KvStore; log: CapturingLogger }> {
  const time = new VirtualTime();
  const log = new CapturingLogger();
  const transport: Transport = {
    localAddress: 'self:7946',
    maxPacketBytes: 1400,
    maxFrameBytes: 1 << 20,
    sendPacket: () => ({ ok: true }),
    onPacket: () => {},
    request: () => Promise.reject(new Error('no network in this test')),
    onRequest: () => {},
    close: async () => {},
  };
  const kv = await KvStore.open(
    {
      clock: new VirtualClock(time),
      scheduler: new VirtualScheduler(time, seededRandom(1)),
      random: seededRandom(2),
      transport,
      aaeTransport: transport,
      rumorTransport: transport,
      storage: failingStorage(failing),
      membership: { members: () => [member('self'), member('other')], onEvent: () => () => {} },
      logger: log.child({ node: 'self' }),
    },
    { self: 'self', config: defaultKvConfig() },
  );
  return { kv, log };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('swallowed failures are logged', () => {
  it('a failed write of the owner set is a warn with its cause', async () => {
    const { kv, log } = await openStore(new Set(['\u0000owners']));
    kv.describeRing(3); // feeds the view to placement, which persists both new owners
    await flush();
    const warns = log.at('warn').filter((l) => l.msg.startsWith('cannot persist the owner set'));
    expect(warns.map((l) => l.fields.added).sort()).toEqual(['other', 'self']);
    expect(warns[0]?.fields.node).toBe('self');
    expect(warns[0]?.fields.err).toBeInstanceOf(StorageError);
    expect(String((warns[0]?.fields.err as Error | undefined)?.message)).toMatch(/disk on fire/);
  });

  it('a _global rumor the disk refuses is a warn with the storage error', async () => {
    const { kv, log } = await openStore(new Set([GLOBAL_NAMESPACE]));
    const key = utf8.encode('ns/bank');
    const set = update(newSet(bytesValue(utf8.encode('{"strict":true}'))), undefined, replicaId('other'));
    const { payload } = encodeRumorPayload(GLOBAL_NAMESPACE, GLOBAL_PARTITION, key, encodeSet(set));
    // News in memory at once (the rumor's feedback), stored durably next: that is what fails.
    expect(kv.global.deliver(payload)).toBe('new');
    await flush();
    await flush();
    const warn = log.at('warn').find((l) => l.msg === 'cannot store a _global rumor');
    expect(warn?.fields).toMatchObject({ node: 'self', err: { kind: 'storage', code: 'io' } });
    expect(String((warn?.fields.err as { message?: string } | undefined)?.message)).toMatch(/disk on fire/);
  });

  it("a replica write failing on this node's disk is a warn even though the reply carries it too", async () => {
    const { kv, log } = await openStore(new Set(['data']));
    const key = utf8.encode('k');
    const set = update(newSet(bytesValue(utf8.encode('v'))), undefined, replicaId('other'));
    const res = await kv.service.handle({
      op: 'merge',
      ns: 'data',
      key,
      partition: kv.placement.partitionOf(key),
      set,
    });
    expect(res).toMatchObject({ kind: 'failure', failure: 'storage' });
    expect(log.at('warn')).toContainEqual(
      expect.objectContaining({
        msg: 'replica operation failed',
        fields: expect.objectContaining({ op: 'merge', ns: 'data', failure: 'storage' }),
      }),
    );
  });

  it('nothing is logged at info or above when nothing fails', async () => {
    const { kv, log } = await openStore(new Set());
    kv.describeRing(3);
    await flush();
    expect(log.lines.filter((l) => l.level !== 'debug')).toEqual([]);
  });
});
