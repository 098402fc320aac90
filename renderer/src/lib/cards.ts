// Display helpers over protocol/cards.ts (the catalogue and rules live there).
import { RARITIES, SUIT_STRENGTH, type Card, type Rarity, type Suit } from '../../../protocol/cards.ts';

export const SUIT_SYMBOL: Record<Suit, string> = { espadas: '♠', copas: '♥', ouros: '♦', paus: '♣' };

/** Rarest first, then strongest first: the order of the collection grid. */
export function byRarityThenValue(a: Card, b: Card): number {
  const r = RARITIES.indexOf(b.rarity) - RARITIES.indexOf(a.rarity);
  if (r !== 0) return r;
  if (a.value !== b.value) return b.value - a.value;
  return SUIT_STRENGTH[b.suit] - SUIT_STRENGTH[a.suit];
}

/** Weakest first: the order of a hand. */
export function byStrength(a: Card, b: Card): number {
  return a.value - b.value || SUIT_STRENGTH[a.suit] - SUIT_STRENGTH[b.suit];
}

export const RARITY_KEY: Record<Rarity, string> = { C: 'common', U: 'uncommon', R: 'rare', L: 'legendary' };

/** A small stable hash (for per-name card art variations). */
export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
