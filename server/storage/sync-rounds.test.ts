import { describe, expect, it } from 'vitest';
import { SyncRounds, forEachLimited } from './sync-rounds.ts';

describe('SyncRounds', () => {
  it('groups requests of one turn into one round and later ones into the next', async () => {
    const rounds: string[][] = [];
    let release: () => void = () => undefined;
    const sync = new SyncRounds<string>(async (keys) => {
      rounds.push(keys.sort());
      if (rounds.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = [sync.request(['a']), sync.request(['b', 'a'])];
    await new Promise((r) => setTimeout(r, 5)); // round 1 is now running and blocked
    const second = [sync.request(['c']), sync.request(['d'])];
    expect(rounds).toEqual([['a', 'b']]);
    release();
    await Promise.all([...first, ...second]);
    expect(rounds).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('rejects every request of a failed round, then keeps working', async () => {
    let fail = true;
    const sync = new SyncRounds<number>(async () => {
      if (fail) throw new Error('EIO');
    });
    await expect(Promise.all([sync.request([1]), sync.request([2])])).rejects.toThrow('EIO');
    fail = false;
    await sync.request([3]);
  });
});

describe('forEachLimited', () => {
  it('never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(n);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
