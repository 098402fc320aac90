import { describe, it, expect } from 'vitest';
import { canPublish, canSubscribe } from './acl.ts';

describe('player topic ACLs', () => {
  it('publishes only to the own commands topic', () => {
    expect(canPublish('a', 'jogadores/a/comandos')).toBe(true);
    expect(canPublish('a', 'jogadores/b/comandos')).toBe(false);
    expect(canPublish('a', 'jogadores/a/eventos')).toBe(false);
    expect(canPublish('a', 'cluster/status')).toBe(false);
    expect(canPublish('a', '$SYS/x')).toBe(false);
    expect(canPublish('a', 'partidas/m/eventos')).toBe(false);
  });
  it('subscribes to own events, cluster status, and (after a check) matches', () => {
    expect(canSubscribe('a', 'jogadores/a/eventos')).toBe('allow');
    expect(canSubscribe('a', 'jogadores/b/eventos')).toBe('deny');
    expect(canSubscribe('a', 'jogadores/+/eventos')).toBe('deny');
    expect(canSubscribe('a', '#')).toBe('deny');
    expect(canSubscribe('a', 'cluster/status')).toBe('allow');
    expect(canSubscribe('a', 'partidas/m1/eventos')).toBe('ask-match');
    expect(canSubscribe('a', 'partidas/+/eventos')).toBe('deny');
    expect(canSubscribe('a', '$SYS/#')).toBe('deny');
  });
});
