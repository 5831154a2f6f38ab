/**
 * What a Membership is built from: its environment (clock, timers, randomness, network, DNS, metrics, log)
 * and the node's own identity and settings. Apart from the façade so callers that only assemble one (the
 * node assembly, tests) read its inputs without its mechanics.
 */
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { Random } from '../runtime/random.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { Address, Transport } from '../transport/transport.js';
import type { Keyring } from '../wire/index.js';
import type { MembershipConfig } from './config.js';
import type { MemberMeta, RemoteMemberState } from './member-events.js';
import type { MembershipMetrics } from './membership-metrics.js';

export interface MembershipComponents {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly transport: Transport;
  /** DNS for seed names, resolved at every join attempt. Default: the host itself (IP literals only). */
  readonly resolve?: (host: string) => Promise<readonly string[]>;
  readonly metrics?: MembershipMetrics;
  /** Failures the protocol survives (a listener that threw, a join attempt nobody answered) go here. */
  readonly logger?: Logger;
}

export interface MembershipInit {
  /** Unique node name (memberlist Config.Name). */
  readonly name: string;
  /** Packets from other clusters are dropped and counted. */
  readonly cluster: string;
  readonly config: MembershipConfig;
  readonly zone?: string;
  readonly meta?: MemberMeta;
  /** The address others reach us at; default: the transport's local address. */
  readonly advertiseAddr?: Address;
  /** Starting incarnation (tests); memberlist starts at 1 and refutation lifts it past older records. */
  readonly incarnation?: number;
  /**
   * AES-256-GCM keys (memberlist SecretKey + Keyring): every packet and stream frame is sealed with the
   * primary key, and any installed key opens. The caller may rotate keys on this object while running.
   */
  readonly keyring?: Keyring;
  /** Cluster label, authenticated with the packet (memberlist Label): nodes with another label are dropped. */
  readonly label?: string;
  /**
   * With a keyring, drop plaintext input (memberlist GossipVerifyIncoming, default true). Turn it off while
   * rolling encryption out to a running cluster.
   */
  readonly requireEncryption?: boolean;
  /**
   * Members to start with, as a converged cluster would report them (a member-table snapshot): adopted at
   * construction without events or broadcasts, since they are not news to anyone. Probes and push/pull
   * correct whatever is stale. The simulator uses it to start a large cluster already converged
   * (`npm run bench -- membership --warm`): building 10,000 members' views by a join storm costs hours of CPU.
   */
  readonly knownMembers?: readonly RemoteMemberState[];
}
