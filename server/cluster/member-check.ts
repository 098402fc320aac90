// Whose peer JWT is honoured (docs/security.md): a current member's. The ledger's member list
// decides once the ledger runs and has one (removing a peer is a committed REMOVE_MEMBER);
// before that — while a joining node learns the stock scale, or before a new cluster
// recorded its first member — the persisted membership view does.
import type { Membership } from './membership.ts';

interface LedgerMembers {
  readonly state: { readonly members: ReadonlyMap<string, unknown> };
}

export class MemberCheck {
  private listed: (id: string) => boolean;

  constructor(
    private readonly selfId: string,
    private readonly membership: Membership,
  ) {
    this.listed = (id) => this.membership.get(id) !== undefined;
  }

  /** From now on the ledger's member list decides (as soon as it lists anyone). */
  followLedger(replica: LedgerMembers): void {
    this.listed = (id) => {
      const m = replica.state.members;
      return m.size > 0 ? m.has(id) : this.membership.get(id) !== undefined;
    };
  }

  readonly isMember = (id: string): boolean => id === this.selfId || this.listed(id);
}
