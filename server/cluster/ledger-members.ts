// The address book follows the ledger's member table: every applied membership change (and
// a restored snapshot) refreshes it. Once the table lists this node it is the whole truth
// (a removed member disappears); before, it only adds to what this node knew.
import { members as ledgerMembers } from '../ledger/machine/index.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { Membership } from './membership.ts';

const MEMBERSHIP_COMMANDS = new Set(['ADD_MEMBER', 'UPDATE_MEMBER_ADDRESS', 'REMOVE_MEMBER']);

/** `changed` runs after each refresh (e.g. to close the links of removed members). */
export function followLedgerMembers(replica: LedgerReplica, membership: Membership, changed: () => void): void {
  const sync = () => {
    const list = ledgerMembers(replica.state).map((m) => ({ id: m.id, address: m.address, mqttPort: m.mqttPort }));
    if (list.some((m) => m.id === membership.self.id)) membership.replaceAll(list);
    else membership.merge(list);
    changed();
  };
  replica.onApplied((cmd) => {
    if (MEMBERSHIP_COMMANDS.has(cmd.type)) sync();
  });
  replica.onRestore(sync);
}
