import { describe, expect, it } from 'vitest';
import { nodeId } from '../../../src/membership/member.js';
import { ReplicaClient } from '../../../src/replica/replica-client.js';
import type { KvRequest, KvResponse } from '../../../src/replica/replica-rpc.js';
import type { ReplicaService } from '../../../src/replica/replica-service.js';
import { seededRandom } from '../../../src/runtime/random.js';
import { VirtualScheduler, VirtualTime } from '../../../src/runtime/virtual.js';
import type { Transport } from '../../../src/transport/transport.js';

const SELF = nodeId('self');
const REQ: KvRequest = { op: 'get', ns: 'data', key: new Uint8Array([1]), partition: 0 };

/** A client whose own replica answers with `handle`; remote calls are not made here. */
function clientWith(handle: (req: KvRequest) => Promise<KvResponse>): {
  client: ReplicaClient;
  time: VirtualTime;
} {
  const time = new VirtualTime();
  const client = new ReplicaClient(
    {
      transport: {} as Transport,
      local: { handle } as unknown as ReplicaService,
      scheduler: new VirtualScheduler(time, seededRandom(1)),
      addressOf: () => undefined,
    },
    SELF,
  );
  return { client, time };
}

/** Settles `p` while running virtual time up to `untilMs`; undefined if it is still pending then. */
async function settle<T>(time: VirtualTime, p: Promise<T>, untilMs: number): Promise<T | undefined> {
  let out: T | undefined;
  void p.then((v) => {
    out = v;
  });
  for (let t = 0; t <= untilMs && out === undefined; t += 10) {
    time.runUntil(t);
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

describe('ReplicaClient, own replica', () => {
  it('answers with the local replica’s response', async () => {
    const { client, time } = clientWith(
      async () => ({ kind: 'notfound', context: new Map() }) as unknown as KvResponse,
    );
    expect(await settle(time, client.call(SELF, REQ, 100), 50)).toMatchObject({ kind: 'notfound' });
  });

  it('a local replica that never answers is an unavailable failure after the timeout, not a hung request', async () => {
    const { client, time } = clientWith(() => new Promise<KvResponse>(() => {}));
    const p = client.call(SELF, REQ, 100);
    expect(await settle(time, p, 90)).toBeUndefined();
    const res = await settle(time, p, 200);
    expect(res).toMatchObject({ kind: 'failure', failure: 'unavailable' });
    expect(res?.kind === 'failure' && res.message).toContain('did not answer within 100 ms');
  });

  it('a local replica that throws is an unavailable failure, never a rejection', async () => {
    const { client, time } = clientWith(async () => {
      throw new Error('disk on fire');
    });
    const res = await settle(time, client.call(SELF, REQ, 100), 50);
    expect(res).toMatchObject({ kind: 'failure', failure: 'unavailable' });
    expect(res?.kind === 'failure' && res.message).toContain('disk on fire');
  });

  it('an unknown remote member is unavailable without a request', async () => {
    const { client, time } = clientWith(async () => {
      throw new Error('not called');
    });
    expect(await settle(time, client.call(nodeId('other'), REQ, 100), 10)).toMatchObject({
      kind: 'failure',
      failure: 'unavailable',
    });
  });
});
