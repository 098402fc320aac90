import { describe, expect, it } from 'vitest';
import { KeyedLock } from './rewrite-lock.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedLock', () => {
  it('runs jobs of one key one after another, in call order, whatever their outcome', async () => {
    const lock = new KeyedLock();
    const trace: string[] = [];
    const job = (name: string, fail = false) => async () => {
      trace.push(`${name}:start`);
      await tick();
      await tick();
      trace.push(`${name}:end`);
      if (fail) throw new Error(name);
      return name;
    };
    const a = lock.run('m', job('a'));
    const b = lock.run('m', job('b', true));
    const c = lock.run('m', job('c'));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    expect(trace).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    await tick();
    expect(lock.size).toBe(0);
  });

  it('lets different keys run side by side', async () => {
    const lock = new KeyedLock();
    const trace: string[] = [];
    const job = (name: string) => async () => {
      trace.push(`${name}:start`);
      await tick();
      trace.push(`${name}:end`);
    };
    await Promise.all([lock.run('x', job('x')), lock.run('y', job('y'))]);
    expect(trace.slice(0, 2).sort()).toEqual(['x:start', 'y:start']);
  });
});
