// Snapshots of the ledger (JSON-safe) and a digest to compare replicas. The catalogue is
// not stored: it is rebuilt from clusterId + stockScale, and the snapshot names the
// generator version so a mismatch fails loudly instead of silently changing cards.
import { z } from 'zod';
import { RARITIES } from '../../../protocol/cards.ts';
import { checkInvariants } from './invariants.ts';
import { decodeInts, encodeInts } from './intcodec.ts';
import { hashHex } from './rng.ts';
import { createLedger, type LedgerState, type MatchRecord } from './state.ts';
import { indexPending } from './trade.ts';
import { recordHistory } from './matches.ts';
import { CATALOG_VERSION } from './stock.ts';

/** 2 added `offers`, 3 the per-player `history`; older snapshots still load (history rebuilt from the matches). */
export const SNAPSHOT_VERSION = 3;

const str = z.string();
const nat = z.int().min(0);
const intList = z.string().regex(/^[0-9,-]*$/);
const memberSchema = z.object({ id: str, address: str, mqttPort: nat, voter: z.boolean() });

const snapshotSchema = z.object({
  v: z.union([z.literal(1), z.literal(2), z.literal(SNAPSHOT_VERSION)]),
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
  /** [requestId, playerId, index, remaining, matchId, cards] */
  purchases: z.array(z.tuple([str, str, nat, nat, str.nullable(), z.array(nat)])),
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
  /** [playerId, [[matchId, opponentId, result, reason, myTricks, theirTricks, at], …oldest first]] */
  history: z
    .array(z.tuple([str, z.array(z.tuple([str, str, z.enum(['won', 'lost', 'draw']), str, nat, nat, nat.nullable()]))]))
    .optional(),
  matches: z.array(
    z.object({
      matchId: str,
      players: z.tuple([str, str]),
      host: str,
      shadow: str.nullable(),
      seed: str,
      epoch: z.int().min(1),
      status: z.enum(['active', 'finished']),
      hands: z.tuple([z.array(nat).nullable(), z.array(nat).nullable()]),
      result: z.object({ winnerId: str.nullable(), reason: str, scores: z.tuple([nat, nat]) }).nullable(),
      createdAt: nat,
      finishedAt: nat.nullable(),
    }),
  ),
});

export type LedgerSnapshot = z.infer<typeof snapshotSchema>;

export function serializeLedger(state: LedgerState): LedgerSnapshot {
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
    players: [...state.players.values()].map((p) => [
      p.id,
      p.name,
      p.tokenHash,
      p.wins,
      p.losses,
      p.draws,
      p.activeMatchId,
      p.registeredAt,
      encodeInts([...p.cards]),
    ]),
    purchases: [...state.purchases.values()].map((p) => [p.requestId, p.playerId, p.index, p.remaining, p.matchId, [...p.cards]]),
    trades: [...state.trades.values()].map((t) => [t.tradeId, t.fromPlayerId, t.toPlayerId, t.offerCard, t.wantCard, t.index]),
    offers: [...state.offers.values()].map((o) => [o.tradeId, o.fromPlayerId, o.toPlayerId, o.offerCard, o.wantCard, o.status, o.reason, o.createdAt, o.closedAt]),
    matches: [...state.matches.values()].map((m) => ({
      matchId: m.matchId,
      players: [m.players[0], m.players[1]],
      host: m.host,
      shadow: m.shadow,
      seed: m.seed,
      epoch: m.epoch,
      status: m.status,
      hands: [m.hands[0] ? [...m.hands[0]] : null, m.hands[1] ? [...m.hands[1]] : null],
      result: m.result
        ? { winnerId: m.result.winnerId, reason: m.result.reason, scores: [m.result.scores[0], m.result.scores[1]] }
        : null,
      createdAt: m.createdAt,
      finishedAt: m.finishedAt,
    })),
    history: [...state.history.entries()].map(([id, list]) => [id, list.map((h) => [h.matchId, h.opponentId, h.result, h.reason, h.tricks[0], h.tricks[1], h.at] as const)]),
  };
}

/** Rebuilds a state from `serializeLedger` output. Throws on a malformed or inconsistent snapshot. */
export function deserializeLedger(json: unknown): LedgerState {
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`invalid ledger snapshot: ${i.path.map(String).join('.')}: ${i.message}`);
  }
  const s = parsed.data;
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
  for (const [requestId, playerId, index, remaining, matchId, cards] of s.purchases) {
    state.purchases.set(requestId, { requestId, playerId, index, remaining, matchId, cards });
  }
  for (const [tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, index] of s.trades) {
    state.trades.set(tradeId, { tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, index });
  }
  for (const [tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, status, reason, createdAt, closedAt] of s.offers) {
    const rec = { tradeId, fromPlayerId, toPlayerId, offerCard, wantCard, status, reason, createdAt, closedAt };
    state.offers.set(tradeId, rec);
    if (status === 'pending') indexPending(state, rec);
  }
  for (const m of s.matches) {
    const rec: MatchRecord = { ...m, players: [m.players[0], m.players[1]], hands: [m.hands[0], m.hands[1]] };
    state.matches.set(m.matchId, rec);
    if (rec.status === 'active') for (const h of rec.hands) if (h) for (const c of h) state.locked.set(c, rec.matchId);
  }
  if (s.history) {
    for (const [id, list] of s.history) {
      state.history.set(id, list.map(([matchId, opponentId, result, reason, mine, theirs, at]) => ({ matchId, opponentId, result, reason, tricks: [mine, theirs], at })));
    }
  } else {
    // Before version 3: the same histories the commands would have built, in the order applied.
    const finished = [...state.matches.values()].filter((m) => m.status === 'finished').sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
    for (const m of finished) recordHistory(state, m, null);
  }
  const problems = checkInvariants(state);
  if (problems.length > 0) throw new Error(`inconsistent ledger snapshot: ${problems[0]}`);
  return state;
}

/** Deterministic hash of the full replicated state (32 hex chars): equal on agreeing replicas. */
export function ledgerDigest(state: LedgerState): string {
  return hashHex(JSON.stringify(serializeLedger(state)));
}
