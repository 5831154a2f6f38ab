import type { Address, TransportErrorCode } from '../transport/transport.js';
import { sampleLatency } from './latency.js';
import type { Medium } from './medium.js';
import type { NodeHost } from './node-host.js';
import type { PendingRequest, SimTransport } from './sim-transport.js';
import { TraceKind } from './trace-hash.js';

/**
 * The stream channel (request/response, a TCP connection per request) emulated over the medium: only
 * latency and partitions apply, never loss or duplication. A refused connection, a crash of either side
 * and a cut return path each end the way they would over TCP (unreachable, reset, timeout).
 */
export function startRequest(
  m: Medium,
  from: SimTransport,
  pending: PendingRequest,
  to: Address,
  bytes: Uint8Array,
): void {
  const srcHost = from.host;
  const src = srcHost.idx;
  const dst = m.indexOf(to);
  m.totals.requests++;
  const lc = m.countersFor(src, dst);
  if (lc !== null) lc.requests++;
  // A cut link loses the connection attempt: the requester waits for its timeout, as with a real SYN.
  if (m.cut(src, dst)) return;
  const host = m.hosts[dst];
  const srcEpoch = srcHost.epoch;
  const outMs = sampleLatency(m.links.get(src, dst).latency, m.random);
  if (host === undefined || !host.live) {
    // Connection refused: the RST comes back after a round trip.
    const backMs = sampleLatency(m.links.get(dst, src).latency, m.random);
    replyAt(m, outMs + backMs, from, srcEpoch, pending, dst, 'unreachable', `nothing listens at ${to}`);
    return;
  }
  const copy = bytes.slice();
  const dstEpoch = host.epoch;
  const arrive = (): void => {
    if (host.epoch !== dstEpoch || !host.live) {
      const backMs = sampleLatency(m.links.get(dst, src).latency, m.random);
      replyAt(m, backMs, from, srcEpoch, pending, dst, 'unreachable', `${to} went away`);
      return;
    }
    if (host.state === 'paused') {
      host.hold(arrive, false);
      return;
    }
    m.trace.event(m.time.now(), src, dst, TraceKind.request, copy);
    serve(m, host, from, srcEpoch, pending, copy);
  };
  m.time.at(m.time.now() + outMs, arrive);
}

/** Resets every connection `host` is serving (a crash or a closed transport): the requesters see `closed`. */
export function resetInbound(host: NodeHost): void {
  const inbound = [...host.inbound];
  host.inbound.clear();
  for (const r of inbound) r.reset();
}

/** Runs the destination's request handler and sends its outcome back over the link. */
function serve(
  m: Medium,
  host: NodeHost,
  from: SimTransport,
  srcEpoch: number,
  pending: PendingRequest,
  bytes: Uint8Array,
): void {
  const t = host.transport as SimTransport;
  const epoch = host.epoch;
  const src = from.host.idx;
  let open = true;
  const respond = (
    code: TransportErrorCode | null,
    body: Uint8Array | null,
    message: string,
    reset = false,
  ): void => {
    // After a crash only the reset (sent by crash itself) may answer; a late handler result is lost.
    if (!open || (!reset && host.epoch !== epoch)) return;
    open = false;
    host.inbound.delete(inbound);
    // A cut return path loses the response; the requester times out.
    if (m.cut(host.idx, src)) return;
    const backMs = sampleLatency(m.links.get(host.idx, src).latency, m.random);
    if (code === null && body !== null) responseAt(m, backMs, from, srcEpoch, pending, host.idx, body);
    else replyAt(m, backMs, from, srcEpoch, pending, host.idx, code ?? 'remote', message);
  };
  const inbound = { reset: () => respond('closed', null, `connection to ${host.address} reset`, true) };
  host.inbound.add(inbound);
  const handler = t.requestHandler;
  if (handler === null) {
    respond('remote', null, `${host.address} has no request handler`);
    return;
  }
  const limit = Math.min(t.maxFrameBytes, from.maxFrameBytes);
  const ok = (res: Uint8Array): void => {
    if (res.length > limit) respond('oversize', null, `response of ${res.length} bytes exceeds ${limit}`);
    else respond(null, res.slice(), '');
  };
  const failed = (err: unknown): void =>
    respond('remote', null, err instanceof Error ? err.message : String(err));
  let result: Uint8Array | Promise<Uint8Array>;
  try {
    result = handler(from.localAddress, bytes);
  } catch (err) {
    failed(err);
    return;
  }
  // A synchronous answer is sent synchronously, so request/response also works under runSync.
  if (result instanceof Uint8Array) ok(result);
  else result.then(ok, failed);
}

function responseAt(
  m: Medium,
  delayMs: number,
  to: SimTransport,
  epoch: number,
  pending: PendingRequest,
  fromIdx: number,
  body: Uint8Array,
): void {
  settleAt(m, delayMs, to, epoch, pending, fromIdx, TraceKind.response, body, () =>
    to.succeed(pending, body),
  );
}

function replyAt(
  m: Medium,
  delayMs: number,
  to: SimTransport,
  epoch: number,
  pending: PendingRequest,
  fromIdx: number,
  code: TransportErrorCode,
  message: string,
): void {
  settleAt(m, delayMs, to, epoch, pending, fromIdx, TraceKind.error, null, () =>
    to.fail(pending, code, message),
  );
}

/**
 * Delivers the outcome of a request to its (still current, not yet settled) requester after `delayMs`;
 * held while the requester is paused, dropped if it crashed meanwhile.
 */
function settleAt(
  m: Medium,
  delayMs: number,
  to: SimTransport,
  epoch: number,
  pending: PendingRequest,
  fromIdx: number,
  kind: (typeof TraceKind)[keyof typeof TraceKind],
  body: Uint8Array | null,
  settle: () => void,
): void {
  const host = to.host;
  const ev = (): void => {
    if (host.epoch !== epoch || pending.settled) return;
    if (host.state === 'paused') {
      host.hold(ev, false);
      return;
    }
    m.trace.event(m.time.now(), fromIdx, host.idx, kind, body);
    settle();
  };
  m.time.at(m.time.now() + delayMs, ev);
}
