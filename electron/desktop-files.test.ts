import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadIdentity, saveIdentity, validIdentity, logFileOf } from './desktop-files.ts';

describe('desktop identity file', () => {
  it('keeps a valid identity under userData (0600) and refuses anything else', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trinca-id-'));
    try {
      expect(await loadIdentity(dir)).toBeNull();
      const id = { playerId: '0b8f2c9e-1111-4222-8333-944445555666', token: 'a'.repeat(43), name: 'Ana' };
      expect(await saveIdentity(dir, id)).toBe(true);
      expect(await loadIdentity(dir)).toEqual(id);
      expect(fs.statSync(path.join(dir, 'identity.json')).mode & 0o777).toBe(0o600);
      expect(await saveIdentity(dir, { playerId: 'x', token: 'short' })).toBe(false);
      expect(await loadIdentity(dir)).toEqual(id);
      expect(validIdentity({ playerId: 'a/b', token: 'a'.repeat(43) })).toBeNull();
      expect(validIdentity({ playerId: 'ab', token: 'a'.repeat(43), name: 'x'.repeat(40) })).toEqual({ playerId: 'ab', token: 'a'.repeat(43), name: null });
      expect(logFileOf(dir)).toBe(path.join(dir, 'logs', 'trinca.log'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
