// Reading snapshots written by earlier versions (1–3): every record kept, matches as
// objects, purchases and history keyed by player id. They load into the current state
// (trimmed to the retention bounds, like the commands would have), so a node upgraded in
// place restarts from the snapshot it has.
import { z } from 'zod';
import type { HistoryRecord, MatchRecord, PurchaseRecord } from './state.ts';

const str = z.string();
const nat = z.int().min(0);

export const legacySections = z.object({
  v: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  /** [requestId, playerId, index, remaining, matchId, cards] */
  purchases: z.array(z.tuple([str, str, nat, nat, str.nullable(), z.array(nat)])),
  /** [playerId, [[matchId, opponentId, result, reason, myTricks, theirTricks, at], …oldest first]] (v3) */
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

/** The records whose encoding changed in version 4, decoded. */
export interface VersionedRecords {
  purchases: PurchaseRecord[];
  matches: MatchRecord[];
  /** Null before version 3: rebuilt from the matches. */
  history: Map<string, HistoryRecord[]> | null;
}

export function legacyRecords(s: z.infer<typeof legacySections>): VersionedRecords {
  const purchases: PurchaseRecord[] = s.purchases.map(([requestId, playerId, index, remaining, matchId, cards]) => ({ requestId, playerId, index, remaining, matchId, cards }));
  const matches: MatchRecord[] = s.matches.map((m) => ({ ...m, players: [m.players[0], m.players[1]], hands: [m.hands[0], m.hands[1]] }));
  const history = s.history
    ? new Map(s.history.map(([id, list]) => [id, list.map(([matchId, opponentId, result, reason, mine, theirs, at]) => ({ matchId, opponentId, result, reason, tricks: [mine, theirs] as [number, number], at }))]))
    : null;
  return { purchases, matches, history };
}
