// The ledger's membership table: how to reach every peer (addresses, MQTT ports) and
// whether it votes. The Raft core tracks voters/learners itself from config entries;
// this table is what the node shows in /servers and hands to joining peers.
import { fail, type CommandOf, type LedgerResult } from './commands.ts';
import { members } from './queries.ts';
import type { LedgerState } from './state.ts';

type MemberCommand = CommandOf<'ADD_MEMBER' | 'PROMOTE_MEMBER' | 'REMOVE_MEMBER' | 'UPDATE_MEMBER_ADDRESS'>;

export function applyMember(state: LedgerState, cmd: MemberCommand): LedgerResult<MemberCommand['type']> {
  const m = state.members.get(cmd.id);
  switch (cmd.type) {
    case 'ADD_MEMBER':
      // Re-adding (a peer that restarted, or a retried join) only refreshes its address.
      if (m) {
        m.address = cmd.address;
        m.mqttPort = cmd.mqttPort;
      } else {
        state.members.set(cmd.id, { id: cmd.id, address: cmd.address, mqttPort: cmd.mqttPort, voter: cmd.voter ?? false });
      }
      break;
    case 'PROMOTE_MEMBER':
      if (!m) return fail('UNKNOWN_MEMBER', `unknown member ${cmd.id}`);
      m.voter = true;
      break;
    case 'REMOVE_MEMBER':
      if (!m) return fail('UNKNOWN_MEMBER', `unknown member ${cmd.id}`);
      state.members.delete(cmd.id);
      break;
    case 'UPDATE_MEMBER_ADDRESS':
      if (!m) return fail('UNKNOWN_MEMBER', `unknown member ${cmd.id}`);
      m.address = cmd.address;
      m.mqttPort = cmd.mqttPort;
      break;
  }
  return { ok: true, members: members(state) };
}
