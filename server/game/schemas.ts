// zod schemas for match events and commands: replicated events and forwarded commands
// come from the network and are validated before they touch a state (docs/design.md §9).
import { z } from 'zod';
import { cardSchema } from '../../protocol/cards.ts';
import type { MatchCommand, MatchEvent } from './types.ts';

const id = z.string().min(1).max(128);
const base = { seq: z.int().min(1), at: z.number().finite().min(0) };
const player = z.object({ id, name: z.string().min(1).max(64) });
export const CHAT_MAX = 200;
const chatText = z.string().max(CHAT_MAX).refine((s) => s.trim().length > 0, 'empty chat message');
const reason = z.string().min(1).max(64);
const source = z.enum(['PACK', 'PRONTO']);

export const matchEventSchema: z.ZodType<MatchEvent> = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('MATCH_START'),
    matchId: id,
    players: z.tuple([player, player]),
    seed: z.string().min(1).max(256),
    host: id,
    shadow: id.nullable(),
    epoch: z.int().min(1),
  }),
  z.object({ ...base, type: z.literal('HAND_SET'), playerId: id, cards: z.array(cardSchema).max(10), source }),
  z.object({ ...base, type: z.literal('CARD_PLAYED'), playerId: id, cardId: id, auto: z.boolean().optional() }),
  z.object({ ...base, type: z.literal('FORFEIT'), playerId: id, reason }),
  z.object({ ...base, type: z.literal('CHAT'), playerId: id, text: chatText }),
  z.object({ ...base, type: z.literal('FAILOVER'), oldHost: id, newHost: id, shadow: id.nullable(), epoch: z.int().min(1) }),
  z.object({ ...base, type: z.literal('ABORT'), reason }),
]);

export const matchCommandSchema: z.ZodType<MatchCommand> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('PLAY'), cardId: id }),
  z.object({ type: z.literal('PLAY_LOWEST') }),
  z.object({ type: z.literal('SET_HAND'), cards: z.array(cardSchema).max(10), source }),
  z.object({ type: z.literal('CHAT'), text: chatText }),
  z.object({ type: z.literal('FORFEIT'), reason }),
]);
