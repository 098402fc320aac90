import { describe, it, expect } from 'vitest';
import { CARD_NAMES, RARITIES, RARITY_RULES, SUITS, cardSchema } from '../../../protocol/cards.ts';
import { buildCatalog, cardAt, cardIndexOf, cardPrefix, initialStock } from './stock.ts';

describe('stock generation', () => {
  const cat = buildCatalog('3F2A9C1B-7d4e-4b7a-9c1d-aaaaaaaaaaaa', 1);

  it('builds 2,800 valid cards per unit with the right counts per name and rarity', () => {
    expect(cat.total).toBe(2800);
    const counts = new Map<string, number>();
    for (let i = 0; i < cat.total; i++) {
      const c = cardAt(cat, i);
      expect(cardSchema.safeParse(c).success).toBe(true);
      const key = `${c.name}/${c.rarity}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const name of CARD_NAMES) for (const r of RARITIES) expect(counts.get(`${name}/${r}`)).toBe(RARITY_RULES[r].perName);
  });

  it('gives every card a unique id that maps back to it', () => {
    const ids = new Set<string>();
    for (let i = 0; i < cat.total; i++) {
      const id = cardAt(cat, i).id;
      ids.add(id);
      expect(cardIndexOf(cat, id)).toBe(i);
    }
    expect(ids.size).toBe(cat.total);
    expect(cardAt(cat, 0).id).toBe('3f2a9c1b-C-0');
  });

  it('rejects ids that are not cards of this cluster', () => {
    for (const bad of ['', 'x', '3f2a9c1b-C-', '3f2a9c1b-C-2800', '3f2a9c1b-L-0', 'other-C-0', '3f2a9c1b-C-01', '3f2a9c1b-C--1']) {
      expect(cardIndexOf(cat, bad)).toBe(-1);
    }
  });

  it('is deterministic per cluster id and differs between clusters', () => {
    const again = buildCatalog('3F2A9C1B-7d4e-4b7a-9c1d-aaaaaaaaaaaa', 1);
    const other = buildCatalog('another-cluster', 1);
    expect(Array.from(again.values)).toEqual(Array.from(cat.values));
    expect(Array.from(again.suits)).toEqual(Array.from(cat.suits));
    expect(Array.from(other.values)).not.toEqual(Array.from(cat.values));
  });

  it('uses every suit and spreads values over each range', () => {
    const suits = new Set<string>();
    const values = new Set<number>();
    for (let i = 0; i < cat.total; i++) {
      const c = cardAt(cat, i);
      suits.add(c.suit);
      values.add(c.value);
    }
    expect(suits.size).toBe(SUITS.length);
    expect(values.size).toBeGreaterThan(110);
  });

  it('scales linearly and keeps ids unique across units', () => {
    const big = buildCatalog('c', 3);
    expect(big.total).toBe(8400);
    const ids = new Set(Array.from({ length: big.total }, (_, i) => cardAt(big, i).id));
    expect(ids.size).toBe(8400);
    const stock = initialStock(big);
    expect(stock.L.length).toBe(5 * 16 * 3);
    expect(stock.C.length + stock.U.length + stock.R.length + stock.L.length).toBe(8400);
  });

  it('refuses bad configuration', () => {
    expect(() => buildCatalog('c', 0)).toThrow();
    expect(() => buildCatalog('c', 1.5)).toThrow();
    expect(() => buildCatalog('', 1)).toThrow();
  });

  it('derives a safe id prefix', () => {
    expect(cardPrefix('My Cluster!-01')).toBe('mycluste');
    expect(cardPrefix('---')).toBe('trinca');
  });
});
