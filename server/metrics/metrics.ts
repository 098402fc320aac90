// Prometheus metrics (DESIGN §11), one registry per node so several nodes can share a process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createLinkMetrics } from '../link/metrics.ts';

export type Metrics = ReturnType<typeof createMetrics>;

const ms = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

export function createMetrics(nodeId: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: registry, prefix: 'trinca_process_' });
  const r = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'trinca_http_request_duration_ms',
      help: 'REST request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: ms,
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
    raftSyncDuration: new Histogram({ name: 'trinca_raft_sync_duration_ms', help: 'WAL append+fsync per Ready batch', buckets: ms, registers: r }),
    stockRemaining: new Gauge({ name: 'trinca_stock_remaining', help: 'Cards left in the global stock', labelNames: ['rarity'], registers: r }),
    purchases: new Counter({ name: 'trinca_purchases_total', help: 'Pack purchases by outcome', labelNames: ['outcome'], registers: r }),
    activeMatches: new Gauge({ name: 'trinca_matches_active', help: 'Matches this node hosts or shadows', labelNames: ['role'], registers: r }),
    gameEvents: new Counter({ name: 'trinca_game_events_total', help: 'Game events appended, by type', labelNames: ['type'], registers: r }),
    eventLogSize: new Histogram({ name: 'trinca_match_log_events', help: 'Events in a match log when it finishes', buckets: [5, 10, 15, 20, 30, 50, 100], registers: r }),
    replicationLatency: new Histogram({ name: 'trinca_replication_latency_ms', help: 'Host → shadow /game/replicate round trip', buckets: ms, registers: r }),
    failovers: new Counter({ name: 'trinca_failovers_total', help: 'Match failovers performed by this node', labelNames: ['kind'], registers: r }),
    link: createLinkMetrics(r),
  };
}
