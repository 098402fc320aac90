// The card catalogue and its rules (docs/design.md §4, §5). Shared by the node and the Vue UI:
// no Node or DOM imports here.
import { z } from 'zod';

/** Suits from strongest to weakest: this order breaks ties between equal values. */
export const SUITS = ['espadas', 'copas', 'ouros', 'paus'] as const;
export type Suit = (typeof SUITS)[number];

/** Rarities from most to least common. */
export const RARITIES = ['C', 'U', 'R', 'L'] as const;
export type Rarity = (typeof RARITIES)[number];

/** The 16 names, in docs/design.md §5 order (stock generation depends on this order: never reorder). */
export const CARD_NAMES = [
  'Dragão',
  'Guerreiro',
  'Mago',
  'Anjo',
  'Demônio',
  'Fênix',
  'Titan',
  'Sereia',
  'Lobo',
  'Águia',
  'Leão',
  'Tigre',
  'Cavaleiro',
  'Arqueiro',
  'Bárbaro',
  'Paladino',
] as const;
export type CardName = (typeof CARD_NAMES)[number];

export interface Card {
  /** Unique across the whole cluster, forever. */
  id: string;
  name: CardName;
  suit: Suit;
  value: number;
  rarity: Rarity;
}

export interface RarityRule {
  /** Cards of this rarity per name per stock-scale unit. */
  perName: number;
  minValue: number;
  maxValue: number;
  /** Chance, in percent, that one pack draw picks this rarity. */
  odds: number;
}

export const RARITY_RULES: Readonly<Record<Rarity, Readonly<RarityRule>>> = {
  C: { perName: 100, minValue: 1, maxValue: 50, odds: 70 },
  U: { perName: 50, minValue: 51, maxValue: 80, odds: 20 },
  R: { perName: 20, minValue: 81, maxValue: 100, odds: 9 },
  L: { perName: 5, minValue: 101, maxValue: 120, odds: 1 },
};

/** 175: cards of one name in one stock-scale unit. */
export const CARDS_PER_NAME_PER_UNIT = RARITIES.reduce((n, r) => n + RARITY_RULES[r].perName, 0);
/** 2,800: cards in one stock-scale unit. */
export const CARDS_PER_UNIT = CARDS_PER_NAME_PER_UNIT * CARD_NAMES.length;
export const PACK_SIZE = 5;
export const HAND_SIZE = 5;
export const MIN_CARD_VALUE = RARITY_RULES.C.minValue;
export const MAX_CARD_VALUE = RARITY_RULES.L.maxValue;

/** Higher number = stronger suit. */
export const SUIT_STRENGTH: Readonly<Record<Suit, number>> = { espadas: 3, copas: 2, ouros: 1, paus: 0 };

/** The rarity whose value range holds `value`, or null outside 1–120. */
export function rarityOfValue(value: number): Rarity | null {
  for (const r of RARITIES) {
    if (value >= RARITY_RULES[r].minValue && value <= RARITY_RULES[r].maxValue) return r;
  }
  return null;
}

/**
 * Trick order: > 0 when `a` beats `b`, < 0 when `b` beats `a`, 0 when value and suit are
 * both equal (two distinct cards can share them; the match rules decide that case).
 */
export function compareCards(a: Pick<Card, 'value' | 'suit'>, b: Pick<Card, 'value' | 'suit'>): number {
  if (a.value !== b.value) return a.value - b.value;
  return SUIT_STRENGTH[a.suit] - SUIT_STRENGTH[b.suit];
}

// ---- schemas ---------------------------------------------------------------------------

export const suitSchema = z.enum(SUITS);
export const raritySchema = z.enum(RARITIES);
export const cardNameSchema = z.enum(CARD_NAMES);
export const cardIdSchema = z.string().min(1).max(64);

export const cardSchema = z
  .object({
    id: cardIdSchema,
    name: cardNameSchema,
    suit: suitSchema,
    value: z.int().min(MIN_CARD_VALUE).max(MAX_CARD_VALUE),
    rarity: raritySchema,
  })
  .refine((c) => rarityOfValue(c.value) === c.rarity, { message: 'value outside its rarity range', path: ['value'] });

export const cardListSchema = z.array(cardSchema);
