// Shared fixtures for the ledger's unit tests (not part of the public API).
import { applyCommand } from './apply.ts';
import type { LedgerCommand, LedgerResult } from './commands.ts';
import { createLedger, type LedgerState } from './state.ts';

export const MEMBERS = [
  { id: 'n1', address: 'http://127.0.0.1:8081', mqttPort: 1884, voter: true },
  { id: 'n2', address: 'http://127.0.0.1:8082', mqttPort: 1885, voter: true },
  { id: 'n3', address: 'http://127.0.0.1:8083', mqttPort: 1886, voter: true },
];

/** A ledger plus an auto-incrementing log index, like a Raft driver would feed it. */
export class Harness {
  readonly state: LedgerState;
  index = 0;
  constructor(clusterId = 'cluster-test-0001', stockScale = 1) {
    this.state = createLedger({ clusterId, stockScale, members: MEMBERS });
  }
  apply<C extends LedgerCommand>(cmd: C): LedgerResult<C['type']>;
  apply(cmd: unknown): LedgerResult;
  apply(cmd: unknown): LedgerResult {
    this.index += 1;
    return applyCommand(this.state, cmd, { index: this.index, term: 1 });
  }
  register(playerId: string, name = playerId, tokenHash = `h-${playerId}`) {
    const r = this.apply({ type: 'REGISTER_PLAYER', playerId, name, tokenHash });
    if (!r.ok) throw new Error(r.message);
    return r;
  }
  buy(playerId: string, requestId: string, matchId?: string) {
    const r = this.apply({ type: 'BUY_PACK', requestId, playerId, ...(matchId ? { matchId } : {}) });
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    return r;
  }
  createMatch(matchId: string, a: string, b: string) {
    const r = this.apply({ type: 'MATCH_CREATED', matchId, players: [a, b], host: 'n1', shadow: 'n2', seed: `seed-${matchId}` });
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    return r;
  }
}

export function expectCode(r: LedgerResult, code: string): void {
  if (r.ok || r.code !== code) throw new Error(`expected ${code}, got ${JSON.stringify(r).slice(0, 200)}`);
}
