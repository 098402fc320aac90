import { describe, it, expect } from 'vitest';
import type { Rarity } from '../../../protocol/cards.ts';
import { availableRarity, drawPack, rarityForRoll } from './draw.ts';
import { seededRng } from './rng.ts';

const stockOf = (c: number, u: number, r: number, l: number): Record<Rarity, number[]> => {
  let n = 0;
  const take = (k: number) => Array.from({ length: k }, () => n++);
  return { C: take(c), U: take(u), R: take(r), L: take(l) };
};

describe('rarityForRoll', () => {
  it('maps the odds C70 U20 R9 L1', () => {
    expect(rarityForRoll(0)).toBe('C');
    expect(rarityForRoll(69.999)).toBe('C');
    expect(rarityForRoll(70)).toBe('U');
    expect(rarityForRoll(89.999)).toBe('U');
    expect(rarityForRoll(90)).toBe('R');
    expect(rarityForRoll(98.999)).toBe('R');
    expect(rarityForRoll(99)).toBe('L');
    expect(rarityForRoll(99.999)).toBe('L');
  });
});

describe('availableRarity', () => {
  it('keeps the picked rarity when it has cards', () => {
    expect(availableRarity(stockOf(1, 1, 1, 1), 'L')).toBe('L');
  });
  it('falls back to the next lower rarity first', () => {
    expect(availableRarity(stockOf(1, 1, 1, 0), 'L')).toBe('R');
    expect(availableRarity(stockOf(1, 1, 0, 0), 'L')).toBe('U');
    expect(availableRarity(stockOf(1, 0, 0, 0), 'R')).toBe('C');
  });
  it('goes up only when nothing lower is left', () => {
    expect(availableRarity(stockOf(0, 1, 1, 1), 'C')).toBe('U');
    expect(availableRarity(stockOf(0, 0, 0, 1), 'C')).toBe('L');
    expect(availableRarity(stockOf(0, 0, 1, 1), 'U')).toBe('R');
  });
  it('is null on an empty stock', () => {
    expect(availableRarity(stockOf(0, 0, 0, 0), 'U')).toBeNull();
  });
});

describe('drawPack', () => {
  it('removes exactly 5 distinct cards from the stock', () => {
    const stock = stockOf(10, 5, 2, 1);
    const cards = drawPack(stock, seededRng('p'));
    expect(new Set(cards).size).toBe(5);
    const left = [...stock.C, ...stock.U, ...stock.R, ...stock.L];
    expect(left).toHaveLength(13);
    for (const c of cards) expect(left).not.toContain(c);
  });
  it('drains the last 5 cards whatever their rarity', () => {
    const stock = stockOf(0, 0, 0, 5);
    expect(drawPack(stock, seededRng('q')).sort()).toEqual([0, 1, 2, 3, 4]);
  });
  it('follows the odds over many draws', () => {
    const big = 1_000_000;
    const stock = stockOf(big, big, big, big);
    const rng = seededRng('odds');
    const counts: Record<Rarity, number> = { C: 0, U: 0, R: 0, L: 0 };
    const n = 20_000; // packs → 100,000 cards
    for (let i = 0; i < n; i++) {
      for (const c of drawPack(stock, rng)) counts[(['C', 'U', 'R', 'L'] as const)[Math.floor(c / big)]]++;
    }
    const total = n * 5;
    expect(counts.C / total).toBeCloseTo(0.7, 1);
    expect(counts.U / total).toBeCloseTo(0.2, 1);
    expect(Math.abs(counts.R / total - 0.09)).toBeLessThan(0.006);
    expect(Math.abs(counts.L / total - 0.01)).toBeLessThan(0.002);
  });
});
