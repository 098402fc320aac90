// The node's outgoing peer links, one per peer address, and the rule for which calls use them.
import { LinkClient, type LinkClientDeps, type LinkOutcome, type LinkState } from './client.ts';
import { MAX_FRAME_BYTES } from './frames.ts';

/**
 * Calls the link carries: Raft (votes, AppendEntries, proposals, snapshots that fit a frame),
 * matches and matchmaking. Not: /register and /cluster/* (a joining peer is not a member yet,
 * and these are rare), /heartbeat and /health (the liveness lane keeps its own connections).
 */
export function linkServes(path: string): boolean {
  return path.startsWith('/eleicao/') || path.startsWith('/raft/') || path.startsWith('/game/') || path.startsWith('/matchmaking/');
}

/** Above this many unsent bytes a link is congested and new calls take HTTP instead. */
const CONGESTED_BYTES = 8 * 1024 * 1024;

export class PeerLinks {
  private readonly links = new Map<string, LinkClient>();
  private closed = false;

  constructor(private readonly deps: LinkClientDeps) {}

  /**
   * Sends a POST over the link to `address` when it is up and serves `path`; otherwise
   * answers null (the caller goes over HTTP) and opens the link for the calls to come.
   */
  tryRequest(address: string, path: string, body: Buffer | undefined, timeoutMs: number, done: (o: LinkOutcome) => void): boolean {
    if (this.closed || !linkServes(path)) return false;
    const fb = this.deps.metrics?.fallbacks;
    if (body && body.length > MAX_FRAME_BYTES) {
      fb?.inc({ reason: 'too_large' });
      return false;
    }
    const key = address.replace(/\/+$/, '');
    let link = this.links.get(key);
    if (!link) this.links.set(key, (link = new LinkClient(key, this.deps)));
    link.ensure();
    if (link.state !== 'up') {
      fb?.inc({ reason: 'link_down' });
      return false;
    }
    if (link.buffered > CONGESTED_BYTES) {
      fb?.inc({ reason: 'congested' });
      return false;
    }
    link.request(path, body, timeoutMs, done);
    return true;
  }

  state(address: string): LinkState {
    return this.links.get(address.replace(/\/+$/, ''))?.state ?? 'idle';
  }

  /** Closes the links to addresses no longer in the cluster (they open again if used). */
  retain(addresses: string[]): void {
    const keep = new Set(addresses.map((a) => a.replace(/\/+$/, '')));
    for (const [a, l] of this.links) {
      if (!keep.has(a)) {
        l.close();
        this.links.delete(a);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const l of this.links.values()) l.close();
    this.links.clear();
  }
}
