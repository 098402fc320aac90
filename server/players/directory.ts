// Who the players are and how they prove it. Tokens are kept only as SHA-256 hashes.
// `LocalPlayerDirectory` is node-local; the ledger-backed directory makes it cluster-wide.
import { createHash } from 'node:crypto';
import { safeEqual } from '../security/keys.ts';
import type { AuthOutcome } from '../broker/broker.ts';

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('base64url');

export interface PlayerDirectory {
  /** Trust on first use: an unknown player is registered with this token. */
  authenticate(playerId: string, token: string): Promise<AuthOutcome>;
  nameOf(playerId: string): string;
  setName(playerId: string, name: string): Promise<void>;
}

export const defaultName = (playerId: string): string => `Jogador-${playerId.slice(0, 6)}`;

export class LocalPlayerDirectory implements PlayerDirectory {
  private readonly players = new Map<string, { tokenHash: string; name: string }>();

  async authenticate(playerId: string, token: string): Promise<AuthOutcome> {
    const h = hashToken(token);
    const p = this.players.get(playerId);
    if (!p) {
      this.players.set(playerId, { tokenHash: h, name: defaultName(playerId) });
      return 'ok';
    }
    return safeEqual(p.tokenHash, h) ? 'ok' : 'bad';
  }

  nameOf(playerId: string): string {
    return this.players.get(playerId)?.name ?? defaultName(playerId);
  }

  async setName(playerId: string, name: string): Promise<void> {
    const p = this.players.get(playerId);
    if (p) p.name = name;
  }
}
