// What just happened in a match, as data (docs/design.md §4 `narration`): a key and its parameters.
// The node keeps `message` (Portuguese) built from the same data; each UI renders the
// narration in its player's language. Players are named by id (names come with the update's
// `players`), cards in full, so nothing here is a sentence.
import type { Card } from './cards.ts';

export type Narration =
  | { key: 'MATCH_CREATED'; params: Record<string, never> }
  /** One player has a hand; the other is still choosing. */
  | { key: 'HAND_SET'; params: { player: string } }
  /** Both hands are set: `leader` plays first. */
  | { key: 'HANDS_READY'; params: { leader: string } }
  /** The first card of a trick; `next` must answer. `auto`: played by the turn timer. */
  | { key: 'CARD_PLAYED'; params: { player: string; card: Card; auto: boolean; next: string } }
  /** The second card closed trick `round`, won by `winner`, who leads the next one. */
  | { key: 'TRICK_WON'; params: { player: string; card: Card; auto: boolean; round: number; winner: string } }
  /** The second card tied trick `round` (same value and suit): `leader` leads again. */
  | { key: 'TRICK_TIED'; params: { player: string; card: Card; auto: boolean; round: number; leader: string } }
  /** The last trick closed the match: `winner` has `won` tricks to `lost`; `trickWinner` null if that trick tied. */
  | { key: 'MATCH_WON'; params: { player: string; card: Card; auto: boolean; round: number; trickWinner: string | null; winner: string; won: number; lost: number } }
  /** The last trick closed the match level at `tricks` each. */
  | { key: 'MATCH_DRAW'; params: { player: string; card: Card; auto: boolean; round: number; trickWinner: string | null; tricks: number } }
  /** `player` left (`reason`: DESISTENCIA, DESCONECTADO, SEM_MAO…); `winner` wins. */
  | { key: 'FORFEIT'; params: { player: string; reason: string; winner: string } }
  /** The host died or was cut off: the match moved from `from` to `to` (the reserve server). */
  | { key: 'FAILOVER'; params: { from: string; to: string; shadow: string | null } }
  /** Same host, a new reserve server (`shadow` null: none left). */
  | { key: 'SHADOW_CHANGED'; params: { shadow: string | null } }
  /** Ended without a winner, nobody at fault (e.g. the stock ran out). */
  | { key: 'ABORT'; params: { reason: string } };

export type NarrationKey = Narration['key'];

export const NARRATION_KEYS: readonly NarrationKey[] = [
  'MATCH_CREATED',
  'HAND_SET',
  'HANDS_READY',
  'CARD_PLAYED',
  'TRICK_WON',
  'TRICK_TIED',
  'MATCH_WON',
  'MATCH_DRAW',
  'FORFEIT',
  'FAILOVER',
  'SHADOW_CHANGED',
  'ABORT',
];
