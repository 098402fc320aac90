// Card fixtures (valid per protocol/cards.ts rules).
import type { Card, CardName, Rarity, Suit } from '../../../protocol/cards.ts';

export function card(id: string, value: number, suit: Suit = 'copas', name: CardName = 'Dragão'): Card {
  const rarity: Rarity = value <= 50 ? 'C' : value <= 80 ? 'U' : value <= 100 ? 'R' : 'L';
  return { id, name, suit, value, rarity };
}

export const hand5 = (prefix: string, base = 10): Card[] => [0, 1, 2, 3, 4].map((i) => card(`${prefix}${i}`, base + i * 7, (['espadas', 'copas', 'ouros', 'paus'] as const)[i % 4]));
