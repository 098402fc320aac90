// Player → node commands, published on `jogadores/<playerId>/comandos` (docs/design.md §4).
// One zod schema per command; the node validates with `parseCommand`, the UI builds with the types.
import { z } from 'zod';

const requestId = z.string().min(1).max(128);
const id = z.string().min(1).max(128);

export const PerfilCommand = z.object({ type: z.literal('PERFIL'), requestId, name: z.string().trim().min(1).max(24) });
export const EntrarFilaCommand = z.object({ type: z.literal('ENTRAR_FILA'), requestId });
export const SairFilaCommand = z.object({ type: z.literal('SAIR_FILA'), requestId });
export const ComprarCommand = z.object({ type: z.literal('COMPRAR'), requestId });
export const ProntoCommand = z.object({ type: z.literal('PRONTO'), requestId, cardIds: z.array(id).length(5) });
export const JogarCommand = z.object({ type: z.literal('JOGAR'), requestId, cardId: id });
export const ChatCommand = z.object({ type: z.literal('CHAT'), requestId, text: z.string().min(1).max(200) });
export const ColecaoCommand = z.object({ type: z.literal('COLECAO'), requestId });
export const ProporTrocaCommand = z.object({
  type: z.literal('PROPOR_TROCA'),
  requestId,
  toPlayerId: id,
  offerCardId: id,
  wantCardId: id,
});
export const ResponderTrocaCommand = z.object({
  type: z.literal('RESPONDER_TROCA'),
  requestId,
  tradeId: id,
  accept: z.boolean(),
});
export const PingCommand = z.object({ type: z.literal('PING'), requestId, t: z.number() });
/** Leaderboard (added by Trinca; see docs/protocol.md). */
export const RankingCommand = z.object({ type: z.literal('RANKING'), requestId });

/** Concede the current match (added by Trinca): the opponent wins, reason DESISTENCIA. */
export const DesistirCommand = z.object({ type: z.literal('DESISTIR'), requestId });
/** The player's finished matches from the ledger, newest first (added by Trinca). */
export const HistoricoCommand = z.object({ type: z.literal('HISTORICO'), requestId });
/** A finished match's log, hands hidden until played (added by Trinca). */
export const ReplayCommand = z.object({ type: z.literal('REPLAY'), requestId, matchId: id });

export const PlayerCommand = z.discriminatedUnion('type', [
  PerfilCommand,
  EntrarFilaCommand,
  SairFilaCommand,
  ComprarCommand,
  ProntoCommand,
  JogarCommand,
  ChatCommand,
  ColecaoCommand,
  ProporTrocaCommand,
  ResponderTrocaCommand,
  PingCommand,
  RankingCommand,
  DesistirCommand,
  HistoricoCommand,
  ReplayCommand,
]);
export type PlayerCommand = z.infer<typeof PlayerCommand>;
export type CommandType = PlayerCommand['type'];
export const COMMAND_TYPES: readonly CommandType[] = PlayerCommand.options.map((o) => o.shape.type.value);

export type ParsedCommand =
  | { ok: true; command: PlayerCommand }
  | { ok: false; requestId?: string; code: 'BAD_JSON' | 'UNKNOWN_TYPE' | 'BAD_REQUEST'; message: string };

/** Parses a raw payload into a command, or says precisely why not (requestId kept when readable). */
export function parseCommand(text: string): ParsedCommand {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'BAD_JSON', message: 'payload is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'BAD_REQUEST', message: 'payload must be a JSON object' };
  }
  const obj = raw as Record<string, unknown>;
  const rid = typeof obj.requestId === 'string' && obj.requestId.length <= 128 ? obj.requestId : undefined;
  if (typeof obj.type !== 'string' || !(COMMAND_TYPES as readonly string[]).includes(obj.type)) {
    return { ok: false, requestId: rid, code: 'UNKNOWN_TYPE', message: `unknown command type ${JSON.stringify(obj.type ?? null).slice(0, 40)}` };
  }
  const parsed = PlayerCommand.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'payload';
    return { ok: false, requestId: rid, code: 'BAD_REQUEST', message: `${obj.type}: ${where}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, command: parsed.data };
}
