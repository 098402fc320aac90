import { describe, it, expect } from 'vitest';
import { canPublish, canSubscribe, isOwnClientId } from './acl.ts';

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

  it('a client id belongs to one player: its id, or its id + "." + a suffix', () => {
    expect(isOwnClientId('a-1', 'a-1')).toBe(true);
    expect(isOwnClientId('a-1', 'a-1.tab2')).toBe(true);
    expect(isOwnClientId('a-1', 'a-12')).toBe(false); // another player's id
    expect(isOwnClientId('a', 'a-1.x')).toBe(false); // player "a" cannot take "a-1"'s ids
    expect(isOwnClientId('a', 'b.a')).toBe(false);
    expect(isOwnClientId('a', '')).toBe(false);
    expect(isOwnClientId('a', null)).toBe(false);
    expect(isOwnClientId('a', 'a.' + 'x'.repeat(100))).toBe(false);
  });
});
