import type { RumorVerdict } from './rumor-core.js';
import { decodeRumorRequest, encodeRumorResponse, type RumorResponse } from './rumor-rpc.js';

/** One rumor channel as the service sees it: a name and the answer to a push (rumor-stream.ts). */
export interface RumorEndpoint {
  readonly channel: string;
  /** Serves one push synchronously: the verdict is the feedback. */
  serve(id: string, payload: Uint8Array): RumorVerdict;
}

export interface RumorServiceStats {
  /** Requests answered `bad_request`: undecodable, or for a channel this node does not have. */
  readonly badRequests: number;
}

/**
 * The serving side of rumor mongering (stream service 3): decodes a push, hands it to the channel it names and
 * answers with that channel's verdict. Never throws on bad input: an undecodable push or an unknown channel
 * is a counted `bad_request` answer, which the pusher treats as no feedback.
 */
export class RumorService {
  readonly #channels = new Map<string, RumorEndpoint>();
  #badRequests = 0;

  /** Adds a channel; names are unique (a second one with a name in use is a programmer error). */
  register(endpoint: RumorEndpoint): void {
    if (this.#channels.has(endpoint.channel))
      throw new RangeError(`rumor channel ${JSON.stringify(endpoint.channel)} is already registered`);
    this.#channels.set(endpoint.channel, endpoint);
  }

  get stats(): RumorServiceStats {
    return { badRequests: this.#badRequests };
  }

  handleBytes(bytes: Uint8Array): Uint8Array {
    const d = decodeRumorRequest(bytes);
    if (!d.ok) return encodeRumorResponse(this.#bad(d.error));
    const { channel, id, payload } = d.value;
    const endpoint = this.#channels.get(channel);
    if (endpoint === undefined)
      return encodeRumorResponse(this.#bad(`no rumor channel ${JSON.stringify(channel)}`));
    return encodeRumorResponse({ kind: 'verdict', verdict: endpoint.serve(id, payload) });
  }

  #bad(message: string): RumorResponse {
    this.#badRequests++;
    return { kind: 'failure', failure: 'bad_request', message };
  }
}
