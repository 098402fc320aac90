// Who a stepping-down leader hands leadership to (thesis §3.10).
import type { RaftStatus } from './raft.ts';
import type { NodeId } from './types.ts';

/**
 * The voter (other than the leader) that is most caught up: recently heard from first, then
 * the highest match index, ties broken by id so the choice is deterministic. Null when this
 * node is not the leader or leads alone.
 */
export function transferTarget(s: RaftStatus): NodeId | null {
  if (s.role !== 'leader') return null;
  let best: { id: NodeId; active: boolean; match: number } | null = null;
  for (const id of s.config.voters) {
    const pr = s.progress[id];
    if (id === s.id || !pr) continue;
    const c = { id, active: pr.recentActive, match: pr.match };
    if (!best || Number(c.active) > Number(best.active) || (c.active === best.active && (c.match > best.match || (c.match === best.match && c.id < best.id)))) best = c;
  }
  return best?.id ?? null;
}
