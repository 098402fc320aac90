import { describe, it, expect } from 'vitest';
import { RegistrationGate } from './registration.ts';

describe('registration gate', () => {
  it('lets an address register its burst, then one per 3600/N seconds; others are independent', () => {
    let now = 0;
    const g = new RegistrationGate({ newPlayersPerIpPerHour: 3, maxPlayers: 100 }, () => now);
    expect([1, 2, 3].map(() => g.admit('10.0.0.1', 0))).toEqual(['ok', 'ok', 'ok']);
    expect(g.admit('10.0.0.1', 0)).toBe('address_rate');
    expect(g.admit('10.0.0.2', 0)).toBe('ok');
    now = 1_199_000;
    expect(g.admit('10.0.0.1', 0)).toBe('address_rate');
    now = 1_200_000;
    expect(g.admit('10.0.0.1', 0)).toBe('ok');
  });

  it('registers nobody once the cluster holds maxPlayers, without spending tokens', () => {
    const g = new RegistrationGate({ newPlayersPerIpPerHour: 1, maxPlayers: 10 }, () => 0);
    expect(g.admit('a', 10)).toBe('cluster_full');
    expect(g.admit('a', 9)).toBe('ok');
  });
});
