/**
 * Simulator speed: n nodes, each sending one 64-byte datagram to a random node every 200 ± 20 virtual ms
 * (node-local `every` with jitter) over a lossy LAN, run with `runSync` in slices of one virtual second until
 * the virtual-time target or the wall-time cap is reached. Reports virtual seconds per wall second and events
 * per wall second.
 *
 *   npm run bench -- sim
 *   args: --sizes 100,1000,10000  --virtual-s <n> (target per size, default 60)  --cap-s <n> (wall cap, default 20)
 */
import { SimNetwork } from '../src/sim/index.js';
import { table, writeResult } from './report.js';

const INTERVAL_MS = 200;
const JITTER_MS = 20;
const PAYLOAD_BYTES = 64;

interface Row {
  readonly nodes: number;
  readonly virtualS: number;
  readonly wallMs: number;
  readonly virtualSPerWallS: number;
  readonly eventsPerS: number;
  readonly packetsDelivered: number;
  readonly traceHash: string;
}

function arg(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function measure(nodes: number, virtualTargetS: number, capWallMs: number): Row {
  const sim = new SimNetwork({
    seed: 1,
    perLinkCounters: false,
    link: { latency: { kind: 'exponential', meanMs: 0.5, minMs: 0.2 }, loss: 0.01 },
  });
  const addrs: string[] = [];
  for (let i = 0; i < nodes; i++) addrs.push(`10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}:7946`);
  const payload = new Uint8Array(PAYLOAD_BYTES);
  for (const addr of addrs) {
    const node = sim.addNode(addr);
    const { transport, random } = node;
    transport.onPacket(() => {});
    node.scheduler.every(
      INTERVAL_MS,
      () => {
        transport.sendPacket(addrs[random.int(nodes)] as string, payload);
      },
      JITTER_MS,
    );
  }
  const events0 = sim.time.eventsRun;
  const start = performance.now();
  let virtualS = 0;
  while (virtualS < virtualTargetS && performance.now() - start < capWallMs) {
    sim.runSync(1000);
    virtualS++;
  }
  const wallMs = performance.now() - start;
  const events = sim.time.eventsRun - events0;
  return {
    nodes,
    virtualS,
    wallMs,
    virtualSPerWallS: virtualS / (wallMs / 1000),
    eventsPerS: events / (wallMs / 1000),
    packetsDelivered: sim.counters().delivered,
    traceHash: sim.traceHash(),
  };
}

export async function run(args: string[]): Promise<void> {
  const sizes = (arg(args, '--sizes') ?? '100,1000,10000').split(',').map(Number);
  const virtualTargetS = Number(arg(args, '--virtual-s') ?? 60);
  const capWallMs = Number(arg(args, '--cap-s') ?? 20) * 1000;
  const rows: Row[] = [];
  for (const n of sizes) {
    const row = measure(n, virtualTargetS, capWallMs);
    rows.push(row);
    console.log(
      `${n} nodes: ${row.virtualS} virtual s in ${row.wallMs.toFixed(0)} wall ms ` +
        `(${row.virtualSPerWallS.toFixed(2)} virtual s/s, ${Math.round(row.eventsPerS)} events/s)`,
    );
  }
  const markdown = [
    '## Simulator (SimNetwork)',
    '',
    `Each node sends one ${PAYLOAD_BYTES}-byte datagram to a random node every ${INTERVAL_MS} ± ${JITTER_MS} ` +
      'virtual ms; exponential LAN latency, 1% loss; `runSync`, one seed. Wall time capped per size.',
    '',
    table(
      ['nodes', 'virtual s', 'wall ms', 'virtual s / wall s', 'events / s', 'packets delivered'],
      rows.map((r) => [r.nodes, r.virtualS, r.wallMs, r.virtualSPerWallS, r.eventsPerS, r.packetsDelivered]),
    ),
    '',
    'Command: `npm run bench -- sim`',
  ].join('\n');
  writeResult('sim', { intervalMs: INTERVAL_MS, jitterMs: JITTER_MS, rows }, markdown);
}
