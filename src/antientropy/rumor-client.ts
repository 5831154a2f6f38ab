import type { NodeId } from '../membership/member.js';
import { type Transport, TransportError } from '../transport/transport.js';
import {
  decodeRumorResponse,
  encodeRumorRequest,
  type RumorRequest,
  type RumorResponse,
} from './rumor-rpc.js';

/** Pushes one rumor to another node's rumor service; never rejects on a network failure (`unavailable`). */
export interface RumorCaller {
  push(node: NodeId, req: RumorRequest, timeoutMs: number): Promise<RumorResponse>;
}

export interface RumorClientComponents {
  readonly transport: Transport;
  /** The gossip address of a member, or undefined when membership does not know it. */
  readonly addressOf: (node: NodeId) => string | undefined;
}

/** The rumor service's client over the stream channel (a rumor is never pushed to this node itself). */
export class RumorClient implements RumorCaller {
  readonly #c: RumorClientComponents;

  constructor(components: RumorClientComponents) {
    this.#c = components;
  }

  async push(node: NodeId, req: RumorRequest, timeoutMs: number): Promise<RumorResponse> {
    const addr = this.#c.addressOf(node);
    if (addr === undefined) return unavailable(`${node} is not a known member`);
    let bytes: Uint8Array;
    try {
      bytes = await this.#c.transport.request(addr, encodeRumorRequest(req), Math.max(1, timeoutMs));
    } catch (err) {
      if (err instanceof TransportError) return unavailable(`${node}: ${err.code}: ${err.message}`);
      throw err;
    }
    const d = decodeRumorResponse(bytes);
    return d.ok ? d.value : { kind: 'failure', failure: 'bad_request', message: `${node}: ${d.error}` };
  }
}

function unavailable(message: string): RumorResponse {
  return { kind: 'failure', failure: 'unavailable', message };
}
