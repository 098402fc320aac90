// Peer-link metrics, registered on the node's registry by createMetrics.
import { Counter, Gauge, type Registry } from 'prom-client';

export type LinkMetrics = ReturnType<typeof createLinkMetrics>;

export function createLinkMetrics(registers: Registry[]) {
  return {
    /** side=out: the link this node dialed (peer = address); side=in: accepted (peer = server_id). */
    up: new Gauge({ name: 'trinca_link_up', help: 'Peer link state (1 up, 0 down)', labelNames: ['side', 'peer'], registers }),
    frames: new Counter({ name: 'trinca_link_frames_total', help: 'Peer-link frames', labelNames: ['direction'], registers }),
    messages: new Counter({ name: 'trinca_link_messages_total', help: 'Peer-link WebSocket messages (coalesced frames)', labelNames: ['direction'], registers }),
    bytes: new Counter({ name: 'trinca_link_bytes_total', help: 'Peer-link bytes', labelNames: ['direction'], registers }),
    reconnects: new Counter({ name: 'trinca_link_reconnects_total', help: 'Peer links opened again after a drop', labelNames: ['peer'], registers }),
    closes: new Counter({ name: 'trinca_link_closes_total', help: 'Peer links closed, by reason', labelNames: ['side', 'reason'], registers }),
    refusals: new Counter({ name: 'trinca_link_refused_total', help: 'Link upgrades refused, by code', labelNames: ['code'], registers }),
    fallbacks: new Counter({ name: 'trinca_link_http_fallbacks_total', help: 'Link-eligible peer calls sent over HTTP, by reason', labelNames: ['reason'], registers }),
  };
}
