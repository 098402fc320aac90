import { describe, it, expect } from 'vitest';
import {
  CARD_NAMES,
  CARDS_PER_NAME_PER_UNIT,
  CARDS_PER_UNIT,
  RARITIES,
  RARITY_RULES,
  SUITS,
  cardSchema,
  compareCards,
  rarityOfValue,
} from './cards.ts';

describe('catalogue constants', () => {
  it('has the 16 names in the order of docs/design.md §5', () => {
    expect(CARD_NAMES).toHaveLength(16);
    expect(CARD_NAMES[0]).toBe('Dragão');
    expect(CARD_NAMES[15]).toBe('Paladino');
    expect(new Set(CARD_NAMES).size).toBe(16);
  });
  it('counts 175 cards per name and 2,800 per unit', () => {
    expect(CARDS_PER_NAME_PER_UNIT).toBe(175);
    expect(CARDS_PER_UNIT).toBe(2800);
  });
  it('has odds summing to 100 and contiguous value ranges 1–120', () => {
    expect(RARITIES.reduce((s, r) => s + RARITY_RULES[r].odds, 0)).toBe(100);
    let next = 1;
    for (const r of RARITIES) {
      expect(RARITY_RULES[r].minValue).toBe(next);
      next = RARITY_RULES[r].maxValue + 1;
    }
    expect(next).toBe(121);
  });
  it('maps values to rarities', () => {
    expect(rarityOfValue(1)).toBe('C');
    expect(rarityOfValue(50)).toBe('C');
    expect(rarityOfValue(51)).toBe('U');
    expect(rarityOfValue(100)).toBe('R');
    expect(rarityOfValue(120)).toBe('L');
    expect(rarityOfValue(0)).toBeNull();
    expect(rarityOfValue(121)).toBeNull();
  });
});

describe('compareCards', () => {
  it('higher value wins regardless of suit', () => {
    expect(compareCards({ value: 10, suit: 'paus' }, { value: 9, suit: 'espadas' })).toBeGreaterThan(0);
  });
  it('breaks value ties espadas > copas > ouros > paus', () => {
    for (let i = 0; i < SUITS.length; i++) {
      for (let j = i + 1; j < SUITS.length; j++) {
        expect(compareCards({ value: 7, suit: SUITS[i] }, { value: 7, suit: SUITS[j] })).toBeGreaterThan(0);
        expect(compareCards({ value: 7, suit: SUITS[j] }, { value: 7, suit: SUITS[i] })).toBeLessThan(0);
      }
    }
  });
  it('is 0 only for equal value and suit', () => {
    expect(compareCards({ value: 7, suit: 'ouros' }, { value: 7, suit: 'ouros' })).toBe(0);
  });
});

describe('cardSchema', () => {
  const good = { id: 'abc-C-1', name: 'Mago', suit: 'copas', value: 12, rarity: 'C' };
  it('accepts a valid card', () => {
    expect(cardSchema.parse(good)).toEqual(good);
  });
  it.each([
    ['unknown name', { ...good, name: 'Zumbi' }],
    ['unknown suit', { ...good, suit: 'hearts' }],
    ['fractional value', { ...good, value: 1.5 }],
    ['value out of range', { ...good, value: 121 }],
    ['value outside its rarity', { ...good, value: 90 }],
    ['empty id', { ...good, id: '' }],
    ['missing field', { id: 'x', name: 'Mago', suit: 'copas', value: 3 }],
  ])('refuses %s', (_label, card) => {
    expect(cardSchema.safeParse(card).success).toBe(false);
  });
});
