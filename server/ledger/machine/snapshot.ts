// Snapshots of the ledger (JSON-safe) and a digest to compare replicas. The catalogue is
// not stored: it is rebuilt from clusterId + stockScale, and the snapshot names the
// generator version so a mismatch fails loudly instead of silently changing cards.
//
// The encoding is canonical (the same state gives the same snapshot, whatever the order
// in which records were inserted), so the digest compares replicas: purchases and
// history are listed per player, in the players' order, and name players by position.
import { z } from 'zod';
import { RARITIES } from '../../../protocol/cards.ts';
import { rebuildRetention } from './archive.ts';
import { checkInvariants } from './invariants.ts';
import { decodeInts, encodeInts } from './intcodec.ts';
import { recordHistory } from './matches.ts';
import { hashHex } from './rng.ts';
import { legacyRecords, legacySections, type VersionedRecords } from './snapshot-legacy.ts';
import { createLedger, type HistoryRecord, type LedgerState, type MatchRecord, type PlayerRecord, type PurchaseRecord } from './state.ts';
import { CATALOG_VERSION } from './stock.ts';
import { indexPending } from './trade.ts';

/**
 * 2 added `offers`, 3 the per-player `history`, 4 the compact per-player purchases and
 * history and matches as tuples (with the retention bounds). Versions 1–3 still load.
 */
export const SNAPSHOT_VERSION = 4;

const str = z.string();
const nat = z.int().min(0);
const intList = z.string().regex(/^[0-9,-]*$/);
const memberSchema = z.object({ id: str, address: str, mqttPort: nat, voter: z.boolean() });
const hand = intList.nullable();

/** What every version shares. */
const commonSchema = z.object({
  v: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(SNAPSHOT_VERSION)]),
  catalogVersion: z.literal(CATALOG_VERSION),
  clusterId: str.min(1),
  stockScale: z.int().min(1),
  lastApplied: nat,
  lastAppliedTerm: nat,
  sold: nat,
  stock: z.object({ C: intList, U: intList, R: intList, L: intList }),
  members: z.array(memberSchema),
  /** [id, name, tokenHash, wins, losses, draws, activeMatchId, registeredAt, cards] */
  players: z.array(z.tuple([str, str, str, nat, nat, nat, str.nullable(), nat, intList])),
  /** [tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, index] */
  trades: z.array(z.tuple([str, str, str, nat, nat, nat])),
  /** [tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, status, reason, createdAt, closedAt] */
  offers: z
    .array(
      z.tuple([
        str,
        str,
        str,
        nat,
        nat,
        z.enum(['pending', 'done', 'declined', 'refused']),
        z.enum(['DECLINED', 'CANCELLED', 'CARD_NOT_OWNED', 'CARD_IN_MATCH']).nullable(),
        nat,
        nat.nullable(),
      ]),
    )
    .default([]),
});

const v4Sections = z.object({
  v: z.literal(SNAPSHOT_VERSION),
  /** [playerPosition, [[requestId, index, remaining, matchId, cards], …oldest first]] */
  purchases: z.array(z.tuple([nat, z.array(z.tuple([str, nat, nat, str.nullable(), z.array(nat)]))])),
  /** [playerPosition, [[matchId, opponentPosition, result, reason, myTricks, theirTricks, at], …oldest first]] */
  history: z.array(z.tuple([nat, z.array(z.tuple([str, nat, z.enum(['won', 'lost', 'draw']), str, nat, nat, nat.nullable()]))])),
  /** [matchId, player0, player1, host, shadow, seed, epoch, status, hand0, hand1, result [winnerId, reason, tricks0, tricks1], createdAt, finishedAt] */
  matches: z.array(
    z.tuple([
      str,
      str,
      str,
      str,
      str.nullable(),
      str,
      z.int().min(1),
      z.enum(['active', 'finished']),
      hand,
      hand,
      z.tuple([str.nullable(), str, nat, nat]).nullable(),
      nat,
      nat.nullable(),
    ]),
  ),
});

export type LedgerSnapshot = z.infer<typeof commonSchema> & z.infer<typeof v4Sections>;

type PlayerTuple = LedgerSnapshot['players'][number];
type PurchaseList = LedgerSnapshot['purchases'][number][1];
type HistoryList = LedgerSnapshot['history'][number][1];

/** A player's encoded part of the snapshot, reused until the player is `touched`. */
interface PlayerPart {
  player: PlayerTuple;
  purchases: PurchaseList | null;
  history: HistoryList | null;
}

/**
 * Encoded player parts per state. Players are only ever appended to `players`, so the
 * positions their history names stay valid. The snapshot returned shares these arrays:
 * callers must not mutate it (copy it first, as the tests do).
 */
const parts = new WeakMap<LedgerState, Map<string, PlayerPart>>();

/** Purchase and history records never change once made: each is encoded once. */
const purchaseTuples = new WeakMap<PurchaseRecord, PurchaseList[number]>();
const historyTuples = new WeakMap<HistoryRecord, HistoryList[number]>();

function encodePlayer(state: LedgerState, p: PlayerRecord, position: Map<string, number>, reuse: boolean): PlayerPart {
  const player: PlayerTuple = [p.id, p.name, p.tokenHash, p.wins, p.losses, p.draws, p.activeMatchId, p.registeredAt, encodeInts([...p.cards])];
  const q = state.purchasesOf.get(p.id);
  let purchases: PurchaseList | null = null;
  if (q && q.size > 0) {
    purchases = [];
    for (const id of q.values()) {
      const r = state.purchases.get(id)!;
      let t = reuse ? purchaseTuples.get(r) : undefined;
      if (!t) purchaseTuples.set(r, (t = [r.requestId, r.index, r.remaining, r.matchId, r.cards.slice()]));
      purchases.push(t);
    }
  }
  const h = state.history.get(p.id);
  let history: HistoryList | null = null;
  if (h && h.length > 0) {
    history = [];
    for (const e of h) {
      let t = reuse ? historyTuples.get(e) : undefined;
      if (!t) historyTuples.set(e, (t = [e.matchId, position.get(e.opponentId) ?? -1, e.result, e.reason, e.tricks[0], e.tricks[1], e.at]));
      history.push(t);
    }
  }
  return { player, purchases, history };
}

/**
 * The state as a snapshot. Incremental: the players' parts (records, purchases, history:
 * most of a big ledger) are re-encoded only for players changed since the previous call on
 * this state; `serializeLedgerFresh` encodes everything (the tests compare the two).
 */
export function serializeLedger(state: LedgerState): LedgerSnapshot {
  let cache = parts.get(state);
  if (!cache) parts.set(state, (cache = new Map()));
  const out = encode(state, cache);
  state.dirty.clear();
  return out;
}

/** `serializeLedger` without any cache: everything encoded again. */
export function serializeLedgerFresh(state: LedgerState): LedgerSnapshot {
  return encode(state, null);
}

function encode(state: LedgerState, cache: Map<string, PlayerPart> | null): LedgerSnapshot {
  const position = new Map<string, number>();
  for (const id of state.players.keys()) position.set(id, position.size);
  const players: LedgerSnapshot['players'] = [];
  const purchases: LedgerSnapshot['purchases'] = [];
  const history: LedgerSnapshot['history'] = [];
  for (const p of state.players.values()) {
    let part = cache?.get(p.id);
    if (!part || state.dirty.has(p.id)) {
      part = encodePlayer(state, p, position, cache !== null);
      cache?.set(p.id, part);
    }
    const pos = players.length;
    players.push(part.player);
    if (part.purchases) purchases.push([pos, part.purchases]);
    if (part.history) history.push([pos, part.history]);
  }
  const matches: LedgerSnapshot['matches'] = [];
  for (const m of state.matches.values()) {
    const res = m.result ? ([m.result.winnerId, m.result.reason, m.result.scores[0], m.result.scores[1]] as [string | null, string, number, number]) : null;
    const hands = m.hands.map((h) => (h ? encodeInts(h) : null));
    matches.push([m.matchId, m.players[0], m.players[1], m.host, m.shadow, m.seed, m.epoch, m.status, hands[0], hands[1], res, m.createdAt, m.finishedAt]);
  }
  return {
    v: SNAPSHOT_VERSION,
    catalogVersion: CATALOG_VERSION,
    clusterId: state.clusterId,
    stockScale: state.stockScale,
    lastApplied: state.lastApplied,
    lastAppliedTerm: state.lastAppliedTerm,
    sold: state.sold,
    stock: {
      C: encodeInts(state.stock.C),
      U: encodeInts(state.stock.U),
      R: encodeInts(state.stock.R),
      L: encodeInts(state.stock.L),
    },
    members: [...state.members.values()].map((m) => ({ id: m.id, address: m.address, mqttPort: m.mqttPort, voter: m.voter })),
    players,
    purchases,
    trades: [...state.trades.values()].map((t) => [t.tradeId, t.fromPlayerId, t.toPlayerId, t.offerCard, t.wantCard, t.index]),
    offers: [...state.offers.values()].map((o) => [o.tradeId, o.fromPlayerId, o.toPlayerId, o.offerCard, o.wantCard, o.status, o.reason, o.createdAt, o.closedAt]),
    history,
    matches,
  };
}

/**
 * Rebuilds a state from `serializeLedger` output (this version or 1–3). Throws on a
 * malformed or inconsistent snapshot, and names the version it cannot read.
 */
export function deserializeLedger(json: unknown): LedgerState {
  const s = parse(commonSchema, json);
  const state = createLedger({ clusterId: s.clusterId, stockScale: s.stockScale, members: s.members });
  const max = state.catalog.total - 1;
  for (const r of RARITIES) state.stock[r] = decodeInts(s.stock[r], max);
  state.sold = s.sold;
  state.lastApplied = s.lastApplied;
  state.lastAppliedTerm = s.lastAppliedTerm;
  for (const [id, name, tokenHash, wins, losses, draws, activeMatchId, registeredAt, cards] of s.players) {
    const set = new Set(decodeInts(cards, max));
    state.players.set(id, { id, name, tokenHash, wins, losses, draws, cards: set, activeMatchId, registeredAt });
    for (const c of set) state.owner[c] = id;
  }
  const rec = s.v === SNAPSHOT_VERSION ? v4Records(parse(v4Sections, json), s.players, max) : legacyRecords(parse(legacySections, json));
  for (const p of rec.purchases) state.purchases.set(p.requestId, p);
  for (const [tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, index] of s.trades) {
    state.trades.set(tradeId, { tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, index });
  }
  for (const [tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, status, reason, createdAt, closedAt] of s.offers) {
    const o = { tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, status, reason, createdAt, closedAt };
    state.offers.set(tradeId, o);
    if (status === 'pending') indexPending(state, o);
  }
  for (const m of rec.matches) {
    state.matches.set(m.matchId, m);
    if (m.status === 'active') for (const h of m.hands) if (h) for (const c of h) state.locked.set(c, m.matchId);
  }
  if (rec.history) state.history = rec.history;
  else {
    // Before version 3: the same histories the commands would have built, in the order applied.
    const finished = [...state.matches.values()].filter((m) => m.status === 'finished').sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
    for (const m of finished) recordHistory(state, m, null);
  }
  rebuildRetention(state);
  const problems = checkInvariants(state);
  if (problems.length > 0) throw new Error(`inconsistent ledger snapshot: ${problems[0]}`);
  return state;
}

function parse<T extends z.ZodType>(schema: T, json: unknown): z.infer<T> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const v = typeof json === 'object' && json !== null && 'v' in json ? ` (version ${String((json as { v: unknown }).v)}; this node reads 1–${SNAPSHOT_VERSION})` : '';
    throw new Error(`invalid ledger snapshot${v}: ${i.path.map(String).join('.')}: ${i.message}`);
  }
  return parsed.data;
}

function v4Records(s: z.infer<typeof v4Sections>, players: z.infer<typeof commonSchema>['players'], max: number): VersionedRecords {
  const idAt = (pos: number): string => {
    const p = players[pos];
    if (!p) throw new Error(`invalid ledger snapshot: player position ${pos} out of range`);
    return p[0];
  };
  const purchases: PurchaseRecord[] = [];
  for (const [pos, list] of s.purchases) {
    const playerId = idAt(pos);
    for (const [requestId, index, remaining, matchId, cards] of list) purchases.push({ requestId, playerId, index, remaining, matchId, cards });
  }
  const history = new Map<string, HistoryRecord[]>();
  for (const [pos, list] of s.history) {
    history.set(idAt(pos), list.map(([matchId, opp, result, reason, mine, theirs, at]) => ({ matchId, opponentId: idAt(opp), result, reason, tricks: [mine, theirs], at })));
  }
  const matches: MatchRecord[] = s.matches.map(([matchId, p0, p1, host, shadow, seed, epoch, status, h0, h1, res, createdAt, finishedAt]) => ({
    matchId,
    players: [p0, p1],
    host,
    shadow,
    seed,
    epoch,
    status,
    hands: [h0 === null ? null : decodeInts(h0, max), h1 === null ? null : decodeInts(h1, max)],
    result: res ? { winnerId: res[0], reason: res[1], scores: [res[2], res[3]] } : null,
    createdAt,
    finishedAt,
  }));
  return { purchases, matches, history };
}

/** Deterministic hash of the full replicated state (32 hex chars): equal on agreeing replicas. */
export function ledgerDigest(state: LedgerState): string {
  return hashHex(JSON.stringify(serializeLedger(state)));
}
