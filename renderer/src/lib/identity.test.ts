import { describe, expect, it } from 'vitest';
import { newCredentials } from './credentials.ts';
import { identityFile, parseIdentity, parseRecoveryCode, recoveryCode } from './identity.ts';

describe('portable identity', () => {
  it('round-trips through the recovery code and the file', () => {
    for (let i = 0; i < 20; i++) {
      const c = newCredentials();
      const code = recoveryCode(c)!;
      expect(code).toMatch(/^TR1( [A-Za-z0-9_-]{1,6})+$/);
      expect(code.length).toBeLessThan(85);
      expect(parseRecoveryCode(code)).toEqual(c);
      expect(parseIdentity(`  ${code}\n`)?.credentials).toEqual(c);
      expect(parseIdentity(JSON.stringify(identityFile(c, 'Ana')))).toEqual({ credentials: c, name: 'Ana' });
    }
  });

  it('refuses a mistyped code and a foreign file', () => {
    const c = newCredentials();
    const code = recoveryCode(c)!;
    const last = code.at(-1) === 'A' ? 'B' : 'A';
    expect(parseRecoveryCode(code.slice(0, -1) + last)).toBeNull();
    expect(parseRecoveryCode('TR1 abc')).toBeNull();
    expect(parseIdentity('{"format":"other","playerId":"x","token":"y"}')).toBeNull();
    expect(parseIdentity('not json')).toBeNull();
  });
});
