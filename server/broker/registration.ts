// Who may register a new player here (trust on first use costs a permanent ledger entry):
// new players per remote address come from a token bucket, and this node registers none
// once the ledger holds `maxPlayers`. Known players always get in. Pure apart from the
// clock it is given.
import { TokenBuckets } from '../security/token-bucket.ts';

export interface RegistrationLimits {
  /** New players one address may register per hour (also the burst). */
  newPlayersPerIpPerHour: number;
  /** This node registers no new player once the cluster has this many. */
  maxPlayers: number;
}

export type RegistrationVerdict = 'ok' | 'address_rate' | 'cluster_full';

export class RegistrationGate {
  private readonly perIp: TokenBuckets<string>;

  constructor(
    private readonly limits: RegistrationLimits,
    private readonly now: () => number,
  ) {
    this.perIp = new TokenBuckets({ capacity: limits.newPlayersPerIpPerHour, perSecond: limits.newPlayersPerIpPerHour / 3600 }, 10_000);
  }

  /** A CONNECT from `address` of a player the ledger does not know; `players`: how many it knows. */
  admit(address: string, players: number): RegistrationVerdict {
    if (players >= this.limits.maxPlayers) return 'cluster_full';
    return this.perIp.take(address, this.now()).ok ? 'ok' : 'address_rate';
  }
}
