export type { PacketCounters } from './counters.js';
export { checkLatency, LAN_LATENCY, type LatencyModel, meanLatencyMs, sampleLatency } from './latency.js';
export { HEALTHY_LINK, type LinkFaults } from './link-faults.js';
export type { NodeState } from './node-host.js';
export type { PartitionId } from './partitions.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_PACKET_BYTES,
  type NodeOptions,
  SimNetwork,
  type SimNetworkOptions,
  type SimNode,
} from './sim-network.js';
export { TraceHash } from './trace-hash.js';
