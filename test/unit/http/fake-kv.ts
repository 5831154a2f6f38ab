import type { KvApi } from '../../../src/http/kv-routes.js';
import type {
  KvDeleteRequest,
  KvDeleteResult,
  KvGetRequest,
  KvGetResult,
  KvPutRequest,
  KvPutResult,
} from '../../../src/node/kv-store.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV, type VersionVector } from '../../../src/versioning/version-vector.js';

/**
 * A store over a Map for HTTP and CLI tests: one counter per key, a tombstone keeps its context, values over
 * `maxValueBytes` are refused with 413 like the real store; `next` is returned once instead of the Map's answer.
 */
export class FakeKv implements KvApi {
  readonly data = new Map<string, { values: Uint8Array[]; context: VersionVector }>();
  readonly calls: (
    | { op: 'get'; req: KvGetRequest }
    | { op: 'put'; req: KvPutRequest }
    | { op: 'delete'; req: KvDeleteRequest }
  )[] = [];
  next: KvGetResult | KvDeleteResult | undefined;

  constructor(private readonly maxValueBytes = Number.POSITIVE_INFINITY) {}

  #id(ns: string, key: Uint8Array): string {
    return `${ns}\0${Buffer.from(key).toString('hex')}`;
  }

  #take<T>(): T | undefined {
    const n = this.next;
    this.next = undefined;
    return n as T | undefined;
  }

  #write(ns: string, key: Uint8Array, values: Uint8Array[]): KvPutResult {
    const id = this.#id(ns, key);
    const counter = (this.data.get(id)?.context[0]?.counter ?? 0) + 1;
    const context = [{ id: replicaId('fake'), counter }];
    this.data.set(id, { values, context });
    return { kind: 'ok', context };
  }

  async get(req: KvGetRequest): Promise<KvGetResult> {
    this.calls.push({ op: 'get', req });
    const canned = this.#take<KvGetResult>();
    if (canned) return canned;
    const e = this.data.get(this.#id(req.ns, req.key));
    if (e === undefined) return { kind: 'notfound', context: EMPTY_VV };
    if (e.values.length === 0) return { kind: 'notfound', context: e.context };
    return { kind: 'ok', values: e.values, context: e.context };
  }

  async put(req: KvPutRequest): Promise<KvPutResult> {
    this.calls.push({ op: 'put', req });
    const canned = this.#take<KvPutResult>();
    if (canned) return canned;
    if (req.value.length > this.maxValueBytes)
      return { kind: 'invalid', reason: 'too-large', error: 'value too large' };
    return this.#write(req.ns, req.key, [req.value]);
  }

  async delete(req: KvDeleteRequest): Promise<KvDeleteResult> {
    this.calls.push({ op: 'delete', req });
    return this.#take<KvDeleteResult>() ?? this.#write(req.ns, req.key, []);
  }
}
