// What the matches capability offers the rest of the node (matchmaking, player commands).
// Implemented by MatchService (server/match/service.ts).

export interface PlayerRef {
  id: string;
  name: string;
}

export type CreateMatchResult = { ok: true; matchId: string } | { ok: false; code: string; message: string };

export interface MatchCreator {
  /**
   * Records MATCH_CREATED (epoch 1, host = this node, the given shadow) in the ledger,
   * starts the match here and on the shadow (/game/start), and tells the players
   * (PARTIDA_ENCONTRADA). Refused with PLAYER_IN_MATCH when the ledger already has either
   * player in an active match (the ledger is the arbiter: nobody is ever in two matches).
   * `matchId` lets the caller make creation idempotent across retries.
   */
  createMatch(matchId: string, players: [PlayerRef, PlayerRef], shadow: string | null): Promise<CreateMatchResult>;
  /** The player's active match per this node's ledger replica, if any. */
  activeMatchOf(playerId: string): string | null;
  /** A live peer other than this node and `exclude` to shadow a new match (fewest matches first), or null. */
  pickShadow(exclude: string[]): string | null;
}
