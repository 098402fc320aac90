// The seed decides the fault mix of a run, so a few thousand seeds cover calm networks,
// lossy ones, flapping partitions, crash storms and every mix in between.
import type { NetProfile } from './network.ts';
import { Rng } from './rng.ts';

export interface Scenario {
  nodes: number;
  net: NetProfile;
  /** Mean ms between partition changes (0: never). */
  partitionEvery: number;
  /** Mean ms between crashes (0: never), and downtime range in ms. */
  crashEvery: number;
  downtime: [number, number];
  /** Max ms an fsync takes (0: instant). */
  diskMaxDelay: number;
  /** Mean ms between client proposals. */
  clientEvery: number;
  electionTicks: number;
  heartbeatTicks: number;
  maxEntriesPerAppend: number;
  maxInflight: number;
  /** Application snapshot every N applied entries. */
  compactEvery: number;
  /** Add learners, promote and remove members during the run. */
  churn: boolean;
  /** JSON round-trip every message, as the HTTP transport does (no shared objects). */
  wire: boolean;
  /** WAL segment size in bytes (small, so segments roll and compaction deletes them). */
  segmentBytes: number;
  /** The simulated platform offers O_DSYNC (else the WAL fdatasyncs after each write). */
  dsync: boolean;
}

export function scenarioFor(seed: number): Scenario {
  // A separate stream from the run's, so tweaking the run never changes the mix.
  const r = new Rng(seed ^ 0x5eed5eed);
  const heartbeatTicks = r.pick([1, 2, 3]);
  const electionTicks = heartbeatTicks * r.pick([5, 10]);
  const maxDelay = r.pick([0.5, 2, 8, 25, 60]);
  const maxEntriesPerAppend = r.pick([1, 4, 64]);
  // One entry per message and one message in flight is stop-and-wait: too slow to ever
  // drain the client load, which would make liveness a matter of the load, not of Raft.
  const maxInflight = maxEntriesPerAppend === 1 ? r.pick([4, 32]) : r.pick([1, 4, 32]);
  return {
    nodes: r.pick([3, 3, 4, 5, 5]),
    net: {
      loss: r.pick([0, 0, 0.02, 0.05, 0.1, 0.2, 0.3]),
      dup: r.pick([0, 0, 0.02, 0.1]),
      minDelay: 0.05,
      maxDelay,
      slow: r.pick([0, 0.01, 0.05]),
    },
    partitionEvery: r.pick([0, 300, 1000, 3000]),
    crashEvery: r.pick([0, 400, 1500, 4000]),
    downtime: r.pick([
      [10, 200],
      [100, 2000],
    ] as [number, number][]),
    diskMaxDelay: r.pick([0, 0.2, 2, 10]),
    clientEvery: r.pick([2, 5, 20]),
    electionTicks,
    heartbeatTicks,
    maxEntriesPerAppend,
    maxInflight,
    compactEvery: r.pick([20, 60, 250, 1e9]),
    churn: r.chance(0.3),
    wire: r.chance(0.5),
    segmentBytes: r.pick([2048, 16_384, 262_144]),
    dsync: r.chance(0.5),
  };
}

export function describeScenario(s: Scenario): string {
  const n = s.net;
  return (
    `nodes=${s.nodes} loss=${n.loss} dup=${n.dup} delay≤${n.maxDelay}ms slow=${n.slow} ` +
    `partitions/${s.partitionEvery || '∞'}ms crashes/${s.crashEvery || '∞'}ms down=${s.downtime.join('-')}ms ` +
    `fsync≤${s.diskMaxDelay}ms client/${s.clientEvery}ms ticks e${s.electionTicks}/h${s.heartbeatTicks} ` +
    `batch=${s.maxEntriesPerAppend} window=${s.maxInflight} compact/${s.compactEvery >= 1e9 ? '∞' : s.compactEvery} churn=${s.churn} wire=${s.wire} segment=${s.segmentBytes} dsync=${s.dsync}`
  );
}
