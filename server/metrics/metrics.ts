// Prometheus metrics (docs/design.md §11), one registry per node so several nodes can share a
// process. Names follow Prometheus's conventions (docs/operations.md, "Metrics"): our own
// families start with `trinca_`, durations are `_seconds` histograms observed in seconds, and
// prom-client's default process and Node.js families keep their standard unprefixed names
// (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`) so stock dashboards and alerts
// read them; the `node` label tells the peers apart.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createLinkMetrics } from '../link/metrics.ts';

export type Metrics = ReturnType<typeof createMetrics>;

/** Latency buckets in seconds, 0.5 ms to 2.5 s. */
export const SECONDS_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Seconds since `t0` (a `performance.now()` reading): what every duration histogram observes. */
export function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}

export function createMetrics(nodeId: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    /** Observe seconds. */
    httpDuration: new Histogram({
      name: 'trinca_http_request_duration_seconds',
      help: 'REST request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS_BUCKETS,
      registers: r,
    }),
    brokerClients: new Gauge({ name: 'trinca_broker_clients', help: 'Connected MQTT clients', registers: r }),
    brokerMessagesIn: new Counter({ name: 'trinca_broker_commands_total', help: 'Player commands received, by type and outcome', labelNames: ['type', 'outcome'], registers: r }),
    brokerAuthFailures: new Counter({ name: 'trinca_broker_auth_failures_total', help: 'Refused CONNECTs and ACL violations', labelNames: ['reason'], registers: r }),
    peersAlive: new Gauge({ name: 'trinca_cluster_peers_alive', help: 'Peers currently seen alive (self included)', registers: r }),
    raftTerm: new Gauge({ name: 'trinca_raft_term', help: 'Current Raft term', registers: r }),
    raftRole: new Gauge({ name: 'trinca_raft_role', help: 'Raft role (1 for the current role)', labelNames: ['role'], registers: r }),
    raftCommitIndex: new Gauge({ name: 'trinca_raft_commit_index', help: 'Raft commit index', registers: r }),
    raftAppliedIndex: new Gauge({ name: 'trinca_raft_applied_index', help: 'Raft applied index', registers: r }),
    /** Observe seconds. */
    raftSyncDuration: new Histogram({ name: 'trinca_raft_sync_duration_seconds', help: 'WAL append+fsync per Ready batch', buckets: SECONDS_BUCKETS, registers: r }),
    stockRemaining: new Gauge({ name: 'trinca_stock_remaining', help: 'Cards left in the global stock', labelNames: ['rarity'], registers: r }),
    purchases: new Counter({ name: 'trinca_purchases_total', help: 'Pack purchases by outcome', labelNames: ['outcome'], registers: r }),
    activeMatches: new Gauge({ name: 'trinca_matches_active', help: 'Matches this node hosts or shadows', labelNames: ['role'], registers: r }),
    gameEvents: new Counter({ name: 'trinca_game_events_total', help: 'Game events appended, by type', labelNames: ['type'], registers: r }),
    eventLogSize: new Histogram({ name: 'trinca_match_log_events', help: 'Events in a match log when it finishes', buckets: [5, 10, 15, 20, 30, 50, 100], registers: r }),
    /** Observe seconds. */
    replicationLatency: new Histogram({ name: 'trinca_replication_latency_seconds', help: 'Host → shadow /game/replicate round trip', buckets: SECONDS_BUCKETS, registers: r }),
    failovers: new Counter({ name: 'trinca_failovers_total', help: 'Match failovers performed by this node', labelNames: ['kind'], registers: r }),
    link: createLinkMetrics(r),
  };
}
