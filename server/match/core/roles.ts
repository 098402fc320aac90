// Who does what for a match, derived every time from the two facts that exist: the ledger's
// record and the log. The log can be ahead of this node's ledger replica (a FAILOVER event is
// only written after its MATCH_FAILOVER committed), so the newer of the two names the epoch.
import type { MatchReplica } from './replica.ts';

export interface Current {
  host: string;
  shadow: string | null;
  epoch: number;
}

export function current(m: MatchReplica): Current | null {
  const r = m.record;
  const s = m.head;
  if (r && r.epoch >= s.epoch) return { host: r.host, shadow: r.shadow, epoch: r.epoch };
  if (s.eventSeq > 0) return { host: s.host, shadow: s.shadow, epoch: s.epoch };
  return null;
}

/**
 * `host`: this node serves the match in the current epoch and its log is of that epoch.
 * `elect`: the ledger named this node host of an epoch its log has not reached yet: it must
 *  write MATCH_START or FAILOVER before anything else (the one failover path).
 * `shadow`: this node mirrors the current epoch's host. `watcher`: anything else (also
 *  while the ledger's record of the match is not known here).
 */
export type Role = 'host' | 'elect' | 'shadow' | 'watcher';

export function roleOf(m: MatchReplica, self: string): Role {
  const cur = current(m);
  // Nothing is served without the ledger's word: a log read from disk, or a stale host's
  // /game/start, names a role only once the ledger's record of the match is known here.
  if (!cur || !m.record) return 'watcher';
  if (cur.host === self) {
    if (m.head.epoch === cur.epoch && m.seq > 0) return m.fencedAt >= cur.epoch ? 'watcher' : 'host';
    if (m.record && m.record.status === 'active' && m.record.host === self && m.record.epoch > m.head.epoch) return 'elect';
    return 'watcher';
  }
  if (cur.shadow === self) return 'shadow';
  return 'watcher';
}

/** A live peer to shadow a match: not excluded, fewest matches it shadows here first. */
export function pickShadow(matches: Iterable<MatchReplica>, alive: ReadonlySet<string>, exclude: readonly (string | null)[]): string | null {
  const load = new Map<string, number>();
  for (const m of matches) {
    const s = m.record?.shadow;
    if (s && !m.finished) load.set(s, (load.get(s) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const id of [...alive].sort()) {
    if (exclude.includes(id)) continue;
    if (best === null || (load.get(id) ?? 0) < (load.get(best) ?? 0)) best = id;
  }
  return best;
}
