import { describe, it, expect } from 'vitest';
import { TokenBuckets } from './token-bucket.ts';

describe('token buckets', () => {
  it('allows a burst of `capacity`, then one token per 1/perSecond, with the wait named', () => {
    const b = new TokenBuckets<string>({ capacity: 3, perSecond: 2 });
    for (let i = 0; i < 3; i++) expect(b.take('a', 1000)).toEqual({ ok: true });
    expect(b.take('a', 1000)).toEqual({ ok: false, retryAfterMs: 500 });
    expect(b.take('a', 1250)).toEqual({ ok: false, retryAfterMs: 250 });
    expect(b.take('a', 1500)).toEqual({ ok: true });
    expect(b.take('b', 1500)).toEqual({ ok: true }); // keys are independent
  });

  it('never refills above capacity and ignores a clock that goes back', () => {
    const b = new TokenBuckets<string>({ capacity: 2, perSecond: 1 });
    b.take('a', 0);
    expect(b.tokens('a', 1_000_000)).toBe(2);
    b.take('a', 10_000);
    expect(b.tokens('a', 5_000)).toBe(1);
  });

  it('a refused take spends nothing', () => {
    const b = new TokenBuckets<string>({ capacity: 1, perSecond: 1 });
    expect(b.take('a', 0).ok).toBe(true);
    for (let i = 0; i < 10; i++) expect(b.take('a', 0).ok).toBe(false);
    expect(b.take('a', 1000).ok).toBe(true);
  });

  it('stays bounded, dropping full buckets before the oldest', () => {
    const b = new TokenBuckets<number>({ capacity: 2, perSecond: 1 }, 10);
    b.take(-1, 0);
    b.take(-1, 0); // -1 is the oldest key and still short of tokens at t=1000
    for (let i = 0; i < 9; i++) b.take(i, 0);
    b.take(100, 1000); // 11 keys: 0 is full again and goes, not -1
    expect(b.size).toBe(10);
    expect(b.tokens(-1, 1000)).toBe(1);
    for (let i = 200; i < 300; i++) b.take(i, 1000);
    expect(b.size).toBe(10);
  });

  it('rejects nonsense specs', () => {
    expect(() => new TokenBuckets({ capacity: 0, perSecond: 1 })).toThrow();
    expect(() => new TokenBuckets({ capacity: 1, perSecond: 0 })).toThrow();
  });
});
