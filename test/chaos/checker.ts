// The chaos campaign's checker: a pure function of the history of client operations and the
// final state pulled from every peer after healing (LESSONS "Jepsen's method"). No I/O, no
// clock: the same inputs always give the same verdict. What it checks (docs/design.md §6, §8):
//
//  ledger   no card has two owners; sold + remaining = total; sold = cards owned by the
//           players; every acknowledged purchase is in the final ledger of every peer (its
//           cards owned by the buyer, or by whoever acknowledged and possibly-applied trades
//           moved them to); every acknowledged trade is reflected; a requestId is applied at
//           most once and a refused purchase never (same key → same pack; never more packs
//           than acknowledged + unknown requests, never fewer than acknowledged); every peer's ledger equal
//           (digests) and its own invariant check clean.
//  matches  every match finished; every log gapless (eventSeq 1..n); every acknowledged move
//           in the final log at the eventSeq it was acknowledged with; no card played twice;
//           two copies of a log at the same epoch agree; the ledger names no active match.
import type { CheckResult, FinalMatchLog, FinalState, HistoryEntry, OpType, Violation } from './types.ts';

/** Error codes that mean "refused, nothing applied" (everything else unknown is `info`). */
export const DEFINITE_FAILURES = new Set([
  'BAD_REQUEST',
  'BAD_JSON',
  'UNKNOWN_TYPE',
  'PAYLOAD_TOO_LARGE',
  'ESTOQUE_ESGOTADO',
  'UNKNOWN_PLAYER',
  'NOT_IN_MATCH',
  'MATCH_FINISHED',
  'WRONG_PHASE',
  'NOT_YOUR_TURN',
  'CARD_NOT_IN_HAND',
  'HAND_ALREADY_SET',
  'BAD_HAND',
  'CARD_NOT_OWNED',
  'CARD_IN_MATCH',
  'SAME_PLAYER',
  'UNKNOWN_TRADE',
  'NOT_TRADE_PARTY',
  'TRADE_CLOSED',
  'TOO_MANY_OFFERS',
  'DUPLICATE_REQUEST',
  'PLAYER_IN_MATCH',
  'NOT_QUEUED',
]);

export interface ParsedHistory {
  entries: HistoryEntry[];
  problems: Violation[];
}

/** Parses JSON lines; a line that is not a history entry is reported, not thrown. */
export function parseHistory(text: string): ParsedHistory {
  const entries: HistoryEntry[] = [];
  const problems: Violation[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const e = JSON.parse(line) as HistoryEntry;
      if (typeof e !== 'object' || e === null || typeof e.process !== 'string' || typeof e.f !== 'string' || !['invoke', 'ok', 'fail', 'info', 'event'].includes(e.type)) {
        throw new Error('not a history entry');
      }
      entries.push({ ...e, value: e.value ?? {} });
    } catch (err) {
      problems.push({ kind: 'history-malformed', message: `history line ${i + 1}: ${(err as Error).message}`, line: line.slice(0, 200) });
    }
  });
  return { entries, problems };
}

/** An operation: an invoke and its completion (`info` when the history ends first). */
export interface Operation {
  process: string;
  f: string;
  op?: number;
  invoke: Record<string, unknown>;
  outcome: Exclude<OpType, 'invoke'>;
  result: Record<string, unknown>;
  start: number;
  end: number | null;
}

export function pairOperations(entries: readonly HistoryEntry[], problems: Violation[] = []): Operation[] {
  const open = new Map<string, { e: HistoryEntry; idx: number }>();
  const ops: Operation[] = [];
  for (const e of entries) {
    if (e.type === 'event' || e.process === 'nemesis') continue;
    const key = `${e.process}#${e.op ?? ''}`;
    if (e.type === 'invoke') {
      if (open.has(key)) problems.push({ kind: 'history-malformed', message: `${e.process} invoked op ${e.op ?? '?'} while another is open`, index: e.index });
      ops.push({ process: e.process, f: e.f, op: e.op, invoke: e.value, outcome: 'info', result: {}, start: e.time, end: null });
      open.set(key, { e, idx: ops.length - 1 });
      continue;
    }
    const inv = open.get(key);
    if (!inv || inv.e.f !== e.f) {
      problems.push({ kind: 'history-malformed', message: `${e.type} ${e.f} of ${e.process} (op ${e.op ?? '?'}) has no matching invoke`, index: e.index });
      continue;
    }
    open.delete(key);
    const op = ops[inv.idx];
    op.outcome = e.type;
    op.result = e.value;
    op.end = e.time;
  }
  return ops; // still-open invokes stay `info`: their outcome is unknown
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const rank = { ok: 3, info: 2, fail: 1 } as const;

interface PurchaseKey {
  key: string;
  playerId: string;
  status: 'ok' | 'info' | 'fail';
  packs: string[][];
}

interface Edge {
  id: string;
  from: string;
  to: string;
  /** Acknowledged (must be applied) or unknown (may be). */
  must: boolean;
}

/** Every owner a card can have after starting at `origin` and following all `must` edges (any subset of the others). */
export function allowedOwners(origin: string, edges: readonly Edge[], maxExact = 16): Set<string> {
  const out = new Set<string>();
  if (edges.length > maxExact) {
    // Too many to enumerate orders: anyone reachable.
    const seen = new Set([origin]);
    const todo = [origin];
    while (todo.length) {
      const o = todo.pop()!;
      for (const e of edges) {
        if (e.from === o && !seen.has(e.to)) {
          seen.add(e.to);
          todo.push(e.to);
        }
      }
    }
    return seen;
  }
  const mustMask = edges.reduce((m, e, i) => (e.must ? m | (1 << i) : m), 0);
  const visited = new Set<string>();
  const dfs = (owner: string, used: number) => {
    const k = `${owner}|${used}`;
    if (visited.has(k)) return;
    visited.add(k);
    if ((used & mustMask) === mustMask) out.add(owner);
    edges.forEach((e, i) => {
      if (!(used & (1 << i)) && e.from === owner) dfs(e.to, used | (1 << i));
    });
  };
  dfs(origin, 0);
  return out;
}

const gapless = (l: FinalMatchLog) => l.events.every((e, i) => e.eventSeq === i + 1);

/**
 * A copy with exact repeats (the same eventSeq and signature twice: a writer race, reported
 * as a gap on its own) reduced to its distinct events; null when two different events claim
 * one eventSeq (that copy says nothing trustworthy).
 */
export function normalizeLog(l: FinalMatchLog): FinalMatchLog | null {
  const bySeq = new Map<number, FinalMatchLog['events'][number]>();
  for (const e of l.events) {
    const p = bySeq.get(e.eventSeq);
    if (p && (p.signature ?? `${p.type}/${p.playerId}/${p.cardId}`) !== (e.signature ?? `${e.type}/${e.playerId}/${e.cardId}`)) return null;
    bySeq.set(e.eventSeq, e);
  }
  return { ...l, events: [...bySeq.values()].sort((a, b) => a.eventSeq - b.eventSeq) };
}

/** The match's final log: a well-formed copy first, then the newest epoch, the longest. */
function pickFinalLog(logs: readonly FinalMatchLog[]): FinalMatchLog {
  return [...logs].sort(
    (a, b) => Number(gapless(b)) - Number(gapless(a)) || b.epoch - a.epoch || b.events.length - a.events.length || Number(b.finished) - Number(a.finished) || (a.source === 'rest' ? -1 : 1),
  )[0];
}

export function check(entries: readonly HistoryEntry[], final: FinalState, preProblems: readonly Violation[] = []): CheckResult {
  const violations: Violation[] = [...preProblems];
  const v = (kind: string, message: string, extra: Record<string, unknown> = {}) => violations.push({ kind, message, ...extra });
  const ops = pairOperations(entries, violations);

  const outcomes: Record<OpType, number> = { invoke: 0, ok: 0, fail: 0, info: 0 };
  for (const e of entries) if (e.type !== 'event' && e.process !== 'nemesis') outcomes[e.type]++;

  // ---- players, purchases, trades from the history -----------------------------------------
  const players = new Set<string>();
  const keys = new Map<string, PurchaseKey>();
  for (const op of ops) {
    const pid = str(op.invoke.playerId);
    if (pid) players.add(pid);
    if (op.f !== 'buy') continue;
    const key = str(op.invoke.key);
    if (!key || !pid) continue;
    const k = keys.get(key) ?? { key, playerId: pid, status: 'fail' as const, packs: [] };
    if (rank[op.outcome] > rank[k.status]) k.status = op.outcome;
    if (op.outcome === 'ok') k.packs.push(strs(op.result.cards));
    keys.set(key, k);
  }
  for (const e of entries) {
    for (const f of ['playerId', 'from', 'to', 'by']) {
      const p = str(e.value[f]);
      if (p && e.process !== 'nemesis') players.add(p);
    }
  }

  const origin = new Map<string, { buyer: string; key: string }>();
  for (const k of keys.values()) {
    if (k.packs.length === 0) continue;
    const first = [...k.packs[0]].sort().join(',');
    for (const p of k.packs.slice(1)) {
      if ([...p].sort().join(',') !== first) v('request-applied-twice', `requestId ${k.key} was acknowledged with two different packs`, { key: k.key, packs: k.packs });
    }
    for (const c of k.packs[0]) {
      const prev = origin.get(c);
      if (prev && prev.key !== k.key) v('card-sold-twice', `card ${c} was acknowledged in two purchases (${prev.key} to ${prev.buyer}, ${k.key} to ${k.playerId})`, { card: c });
      else origin.set(c, { buyer: k.playerId, key: k.key });
    }
    if (k.packs[0].length !== 5) v('request-applied-twice', `purchase ${k.key} was acknowledged with ${k.packs[0].length} cards, not 5`, { key: k.key });
  }

  // Card movements: accepted trades, acknowledged (`must`) or of unknown outcome.
  const tradeState = new Map<string, { must: boolean; from: string; to: string; offer: string; want: string }>();
  for (const op of ops) {
    if (op.f !== 'respond' || op.invoke.accept !== true) continue;
    const tradeId = str(op.invoke.tradeId);
    const [from, to, offer, want] = [str(op.invoke.from), str(op.invoke.to), str(op.invoke.offer), str(op.invoke.want)];
    if (!tradeId || !from || !to || !offer || !want) continue;
    const done = op.outcome === 'ok' && op.result.result === 'done';
    const maybe = op.outcome === 'info';
    if (!done && !maybe) continue;
    const prev = tradeState.get(tradeId);
    tradeState.set(tradeId, { from, to, offer, want, must: done || (prev?.must ?? false) });
  }
  const edgesOf = new Map<string, Edge[]>();
  const addEdge = (card: string, e: Edge) => edgesOf.set(card, [...(edgesOf.get(card) ?? []), e]);
  for (const [id, t] of tradeState) {
    addEdge(t.offer, { id, from: t.from, to: t.to, must: t.must });
    addEdge(t.want, { id, from: t.to, to: t.from, must: t.must });
  }
  const allowed = new Map<string, Set<string>>();
  for (const [card, o] of origin) allowed.set(card, allowedOwners(o.buyer, edgesOf.get(card) ?? []));

  const acked = new Map<string, number>();
  const maybe = new Map<string, number>();
  for (const k of keys.values()) {
    if (k.status === 'ok') acked.set(k.playerId, (acked.get(k.playerId) ?? 0) + 1);
    if (k.status === 'info') maybe.set(k.playerId, (maybe.get(k.playerId) ?? 0) + 1);
  }

  // ---- every peer's ledger --------------------------------------------------------------------
  const reachable = final.peers.filter((p) => p.reachable);
  for (const p of final.peers) if (!p.reachable) v('peer-unreachable', `peer ${p.id} did not answer after healing: ${p.error ?? 'no answer'}`, { peer: p.id });
  const digests = new Set(reachable.map((p) => p.digest?.digest));
  if (digests.size > 1) {
    v('digest-divergence', `peers' ledgers differ after healing: ${reachable.map((p) => `${p.id}=${p.digest?.digest.slice(0, 12)}@${p.digest?.lastApplied}`).join(' ')}`, {
      digests: Object.fromEntries(reachable.map((p) => [p.id, p.digest])),
    });
  }
  for (const p of reachable) {
    for (const msg of p.digest?.violations ?? []) v('ledger-invariant', `${p.id}: ${msg}`, { peer: p.id });
    const s = p.status;
    if (s) {
      const left = Object.values(s.remaining).reduce((a, b) => a + b, 0);
      if (s.sold + left !== s.total) v('stock-not-conserved', `${p.id}: sold ${s.sold} + remaining ${left} ≠ total ${s.total}`, { peer: p.id });
    }
    const cards = p.cards ?? {};
    const owner = new Map<string, string>();
    let owned = 0;
    for (const [pid, list] of Object.entries(cards)) {
      owned += list.length;
      for (const c of list) {
        const o = owner.get(c);
        if (o !== undefined) v('card-owned-twice', `${p.id}: card ${c} is owned by ${o} and ${pid}`, { peer: p.id, card: c, owners: [o, pid] });
        else owner.set(c, pid);
      }
    }
    if (s && owned !== s.sold) v('sold-count-mismatch', `${p.id}: the players own ${owned} cards but ${s.sold} were sold`, { peer: p.id });

    for (const pid of players) {
      const n = (cards[pid] ?? []).length;
      const a = acked.get(pid) ?? 0;
      const m = maybe.get(pid) ?? 0;
      if (n % 5 !== 0) v('ownership-unexplained', `${p.id}: player ${pid} owns ${n} cards, not whole packs`, { peer: p.id, playerId: pid });
      const applied = Math.floor(n / 5);
      if (applied < a) v('acked-purchase-lost', `${p.id}: player ${pid} holds ${applied} packs but ${a} purchases were acknowledged`, { peer: p.id, playerId: pid });
      if (applied > a + m) {
        const refused = [...keys.values()].filter((k) => k.playerId === pid && k.status === 'fail').map((k) => k.key);
        v('purchase-count-exceeded', `${p.id}: player ${pid} holds ${applied} packs but only ${a} acknowledged + ${m} unknown purchases could have applied: a requestId applied twice${refused.length ? `, or a purchase answered as refused was applied (refused: ${refused.slice(0, 5).join(', ')})` : ''}`, { peer: p.id, playerId: pid, refused });
      }
    }
    for (const [card, o] of origin) {
      const now = owner.get(card);
      if (now === undefined) {
        v('acked-purchase-lost', `${p.id}: card ${card} of acknowledged purchase ${o.key} (${o.buyer}) is owned by nobody`, { peer: p.id, card, key: o.key });
        continue;
      }
      const ok = allowed.get(card)!;
      if (ok.has(now)) continue;
      const musts = (edgesOf.get(card) ?? []).filter((e) => e.must);
      if (musts.length > 0 && (now === o.buyer || musts.some((e) => e.from === now))) {
        v('acked-trade-lost', `${p.id}: card ${card} is with ${now}, but acknowledged trade(s) ${musts.map((e) => e.id).join(', ')} moved it on`, { peer: p.id, card });
      } else {
        v('ownership-unexplained', `${p.id}: card ${card} (bought by ${o.buyer} in ${o.key}) is owned by ${now}, which no recorded trade explains`, { peer: p.id, card, owner: now });
      }
    }
  }

  // ---- matches ---------------------------------------------------------------------------------
  const matchIds = new Set<string>();
  for (const e of entries) if (e.f === 'match-found' && str(e.value.matchId)) matchIds.add(str(e.value.matchId)!);
  // The match a move or hand went to: the node says so in its OK (the bot may still have
  // been looking at an older match); the bot's own belief otherwise.
  const opMatch = (op: (typeof ops)[number]): string | undefined => str(op.result.matchId) ?? str(op.invoke.matchId);
  for (const op of ops) if ((op.f === 'move' || op.f === 'hand') && opMatch(op)) matchIds.add(opMatch(op)!);
  let moveOk = 0;
  let moveInfo = 0;
  for (const op of ops) {
    if (op.f === 'move' && op.outcome === 'ok') moveOk++;
    if (op.f === 'move' && op.outcome === 'info') moveInfo++;
  }

  for (const matchId of [...matchIds].sort()) {
    const logs = final.matches[matchId] ?? [];
    if (logs.length === 0) {
      v('match-log-missing', `match ${matchId}: no peer holds its log`, { matchId });
      continue;
    }
    for (const l of logs) {
      const bad = l.events.findIndex((e, i) => e.eventSeq !== i + 1);
      if (bad >= 0) v('match-log-gap', `match ${matchId} on ${l.peer} (${l.source}): event #${bad + 1} has eventSeq ${l.events[bad].eventSeq}`, { matchId, peer: l.peer });
    }
    const usable = logs.map(normalizeLog).filter((l): l is FinalMatchLog => l !== null);
    const fin = pickFinalLog(usable.length > 0 ? usable : logs);
    if (!fin.finished) v('match-unfinished', `match ${matchId} did not finish (final log: ${fin.peer}/${fin.source}, epoch ${fin.epoch}, ${fin.events.length} events)`, { matchId });
    for (const op of ops) {
      if (op.outcome !== 'ok' || opMatch(op) !== matchId || (op.f !== 'move' && op.f !== 'hand')) continue;
      const seq = op.result.eventSeq;
      const ev = typeof seq === 'number' ? fin.events.find((e) => e.eventSeq === seq) : undefined;
      const want = op.f === 'move' ? 'CARD_PLAYED' : 'HAND_SET';
      const okEv = ev && ev.type === want && ev.playerId === str(op.invoke.playerId) && (op.f !== 'move' || ev.cardId === str(op.invoke.cardId));
      if (!okEv) {
        v('acked-move-lost', `match ${matchId}: ${op.f} of ${str(op.invoke.playerId)}${op.f === 'move' ? ` (${str(op.invoke.cardId)})` : ''} was acknowledged as eventSeq ${String(seq)} but the final log has ${ev ? `${ev.type} by ${ev.playerId ?? '?'}` : 'nothing'} there`, { matchId, eventSeq: seq });
      }
    }
    const played = new Set<string>();
    for (const e of fin.events) {
      if (e.type !== 'CARD_PLAYED') continue;
      const k = `${e.playerId}/${e.cardId}`;
      if (played.has(k)) v('move-applied-twice', `match ${matchId}: ${e.playerId} played ${e.cardId} twice`, { matchId });
      played.add(k);
    }
    const wellFormed = usable.filter(gapless);
    for (let i = 0; i < wellFormed.length; i++) {
      for (let j = i + 1; j < wellFormed.length; j++) {
        const [a, b] = [wellFormed[i], wellFormed[j]];
        if (a.epoch !== b.epoch || a.peer === b.peer) continue;
        const n = Math.min(a.events.length, b.events.length);
        for (let k = 0; k < n; k++) {
          const [x, y] = [a.events[k], b.events[k]];
          if (x.signature && y.signature ? x.signature !== y.signature : x.type !== y.type || x.playerId !== y.playerId || x.cardId !== y.cardId) {
            v('match-log-divergence', `match ${matchId}: ${a.peer} and ${b.peer} disagree at eventSeq ${k + 1} in epoch ${a.epoch} (${x.type} vs ${y.type})`, { matchId });
            break;
          }
        }
      }
    }
  }
  for (const [pid, m] of Object.entries(final.activeMatch ?? {})) {
    if (m) v('match-still-active', `after healing the ledger still has player ${pid} in match ${m}`, { playerId: pid, matchId: m });
  }

  const doneTrades = [...tradeState.values()].filter((t) => t.must).length;
  return {
    violations,
    stats: {
      operations: ops.length,
      outcomes,
      purchases: {
        ok: [...keys.values()].filter((k) => k.status === 'ok').length,
        info: [...keys.values()].filter((k) => k.status === 'info').length,
        fail: [...keys.values()].filter((k) => k.status === 'fail').length,
      },
      trades: { done: doneTrades, info: tradeState.size - doneTrades },
      moves: { ok: moveOk, info: moveInfo },
      matches: matchIds.size,
      peers: final.peers.length,
    },
  };
}

/** Parses the history text and checks it against the final state. */
export function checkHistoryText(historyText: string, final: FinalState): CheckResult {
  const { entries, problems } = parseHistory(historyText);
  return check(entries, final, problems);
}
