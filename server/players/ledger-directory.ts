// Players known cluster-wide through the ledger: the first CONNECT of an unknown player
// registers it (trust on first use) with REGISTER_PLAYER; later CONNECTs anywhere must
// present a token with the same hash.
import { getPlayer } from '../ledger/machine/index.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { LedgerService } from '../ledger/service.ts';
import { safeEqual } from '../security/keys.ts';
import { defaultName, hashToken, type PlayerDirectory } from './directory.ts';
import type { AuthOutcome } from '../broker/broker.ts';
import { CommandError } from './commands.ts';

export class LedgerPlayerDirectory implements PlayerDirectory {
  constructor(
    private readonly replica: LedgerReplica,
    private readonly ledger: LedgerService,
  ) {}

  async authenticate(playerId: string, token: string): Promise<AuthOutcome> {
    const { replica, ledger } = this;
    const h = hashToken(token);
    const known = getPlayer(replica.state, playerId);
    if (known) return safeEqual(known.tokenHash, h) ? 'ok' : 'bad';
    // Unknown here (maybe only not applied yet): the ledger decides, atomically.
    try {
      const r = await ledger.submit({ type: 'REGISTER_PLAYER', playerId, name: defaultName(playerId), tokenHash: h });
      if (r.ok) return 'ok';
      return r.code === 'TOKEN_MISMATCH' ? 'bad' : 'unavailable';
    } catch {
      return 'unavailable';
    }
  }

  nameOf(playerId: string): string {
    return getPlayer(this.replica.state, playerId)?.name || defaultName(playerId);
  }

  async setName(playerId: string, name: string): Promise<void> {
    const r = await this.ledger.submit({ type: 'SET_NAME', playerId, name });
    if (!r.ok) throw new CommandError(r.code, r.message);
  }
}
