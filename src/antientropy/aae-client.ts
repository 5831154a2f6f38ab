import type { NodeId } from '../membership/member.js';
import { type Transport, TransportError } from '../transport/transport.js';
import { type AaeRequest, type AaeResponse, decodeAaeResponse, encodeAaeRequest } from './aae-rpc.js';

/** Asks another node's anti-entropy service; never rejects (a failure is an answer of kind `failure`). */
export interface AaeCaller {
  call(
    node: NodeId,
    req: AaeRequest,
    timeoutMs: number,
  ): Promise<{ readonly res: AaeResponse; readonly bytes: number }>;
}

export interface AaeClientComponents {
  readonly transport: Transport;
  /** The gossip address of a member, or undefined when membership does not know it. */
  readonly addressOf: (node: NodeId) => string | undefined;
}

/** The anti-entropy service's client over the stream channel (an exchange is never with this node itself). */
export class AaeClient implements AaeCaller {
  readonly #c: AaeClientComponents;

  constructor(components: AaeClientComponents) {
    this.#c = components;
  }

  async call(node: NodeId, req: AaeRequest, timeoutMs: number): Promise<{ res: AaeResponse; bytes: number }> {
    const frame = encodeAaeRequest(req);
    const addr = this.#c.addressOf(node);
    if (addr === undefined) return { res: unavailable(`${node} is not a known member`), bytes: frame.length };
    let bytes: Uint8Array;
    try {
      bytes = await this.#c.transport.request(addr, frame, Math.max(1, timeoutMs));
    } catch (err) {
      if (err instanceof TransportError) {
        return { res: unavailable(`${node}: ${err.code}: ${err.message}`), bytes: frame.length };
      }
      throw err;
    }
    const d = decodeAaeResponse(bytes);
    const res: AaeResponse = d.ok
      ? d.value
      : { kind: 'failure', failure: 'bad_request', message: `${node}: ${d.error}` };
    return { res, bytes: frame.length + bytes.length };
  }
}

function unavailable(message: string): AaeResponse {
  return { kind: 'failure', failure: 'unavailable', message };
}
