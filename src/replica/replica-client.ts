import type { NodeId } from '../membership/member.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { type Transport, TransportError } from '../transport/transport.js';
import { DEFAULT_VERSIONING_LIMITS, type VersioningLimits } from '../versioning/limits.js';
import { decodeKvResponse, encodeKvRequest, type KvRequest, type KvResponse } from './replica-rpc.js';
import type { ReplicaService } from './replica-service.js';

/** Calls one node's replica: this node's own service directly, any other over the stream channel. */
export interface ReplicaCaller {
  call(node: NodeId, req: KvRequest, timeoutMs: number): Promise<KvResponse>;
}

export interface ReplicaClientComponents {
  readonly transport: Transport;
  readonly local: ReplicaService;
  /** Times out calls to `local`: a hung disk must fail a request like an unreachable node, not hang it. */
  readonly scheduler: Scheduler;
  /** The gossip address of a member, or undefined when membership does not know it. */
  readonly addressOf: (node: NodeId) => string | undefined;
  /** A local replica that threw or hung (the requester sees only `unavailable`) is logged here at warn. */
  readonly logger?: Logger;
}

/**
 * Never rejects: an unreachable node, a timeout or a garbled answer is a `failure` response of kind
 * `unavailable` or `bad_request`, which the request's core counts as that replica's error reply.
 */
export class ReplicaClient implements ReplicaCaller {
  readonly #c: ReplicaClientComponents;
  readonly #self: NodeId;
  readonly #limits: VersioningLimits;

  constructor(
    components: ReplicaClientComponents,
    self: NodeId,
    limits: VersioningLimits = DEFAULT_VERSIONING_LIMITS,
  ) {
    this.#c = components;
    this.#self = self;
    this.#limits = limits;
  }

  async call(node: NodeId, req: KvRequest, timeoutMs: number): Promise<KvResponse> {
    if (node === this.#self) return this.#callLocal(req, timeoutMs);
    const addr = this.#c.addressOf(node);
    if (addr === undefined) return unavailable(`${node} is not a known member`);
    let bytes: Uint8Array;
    try {
      bytes = await this.#c.transport.request(addr, encodeKvRequest(req), Math.max(1, timeoutMs));
    } catch (err) {
      if (err instanceof TransportError) return unavailable(`${node}: ${err.code}: ${err.message}`);
      throw err;
    }
    const d = decodeKvResponse(bytes, this.#limits);
    return d.ok ? d.value : { kind: 'failure', failure: 'bad_request', message: `${node}: ${d.error}` };
  }

  /**
   * This node's own replica, under the same timeout as a remote one. The operation itself cannot be
   * cancelled and may still apply after the timeout (the coordinator reports mayHaveApplied, as for a
   * remote replica that went silent).
   */
  #callLocal(req: KvRequest, timeoutMs: number): Promise<KvResponse> {
    return new Promise<KvResponse>((resolve) => {
      const log = this.#c.logger ?? SILENT_LOGGER;
      const cancel = this.#c.scheduler.after(Math.max(1, timeoutMs), () => {
        log.warn({ op: req.op, ns: req.ns, timeoutMs }, 'local replica did not answer in time (slow disk?)');
        resolve(unavailable(`${this.#self}: local replica did not answer within ${timeoutMs} ms`));
      });
      this.#c.local.handle(req).then(
        (res) => {
          cancel();
          resolve(res);
        },
        (err: unknown) => {
          cancel();
          log.warn({ err, op: req.op, ns: req.ns }, 'local replica failed');
          resolve(unavailable(`${this.#self}: local replica failed: ${(err as Error).message}`));
        },
      );
    });
  }
}

function unavailable(message: string): KvResponse {
  return { kind: 'failure', failure: 'unavailable', message };
}
