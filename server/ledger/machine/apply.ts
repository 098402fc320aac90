// The one entry point that changes ledger state, called for each committed log entry in
// log order on every replica. Deterministic: same state + same command + same index gives
// the same result and the same new state everywhere.
import { fail, ledgerCommandSchema, ledgerEntrySchema, type LedgerCommand, type LedgerResult } from './commands.ts';
import type { ApplyContext } from './context.ts';
import { matchCreated, matchFailover, matchFinished, matchHand } from './matches.ts';
import { applyMember } from './membership.ts';
import { registerPlayer, setName } from './players.ts';
import { buyPack } from './purchase.ts';
import type { LedgerState } from './state.ts';
import { trade, tradeDecline, tradeOffer } from './trade.ts';

/**
 * Applies one command, mutating `state` in place. Never throws on bad input: an invalid
 * command is `BAD_COMMAND` and changes nothing but `lastApplied`. Refusals (`ok: false`)
 * change nothing but `lastApplied` either — with one exception: accepting a trade offer
 * whose cards changed hands or got locked refuses the TRADE and closes the offer as
 * `refused` (so it does not stay pending forever; see trade.ts).
 *
 * An index below `lastApplied` is refused with `STALE_INDEX` and changes nothing at all:
 * re-applying old entries after a restart is the classic double-apply bug (etcd 3.5).
 */
export function applyCommand<C extends LedgerCommand>(state: LedgerState, cmd: C, ctx: ApplyContext): LedgerResult<C['type']>;
export function applyCommand(state: LedgerState, cmd: unknown, ctx: ApplyContext, onInner?: InnerObserver): LedgerResult;
export function applyCommand(state: LedgerState, cmd: unknown, ctx: ApplyContext, onInner?: InnerObserver): LedgerResult {
  if (!Number.isSafeInteger(ctx.index) || ctx.index < state.lastApplied) {
    return fail('STALE_INDEX', `index ${ctx.index} is behind lastApplied ${state.lastApplied}`);
  }
  state.lastApplied = ctx.index;
  state.lastAppliedTerm = ctx.term;
  const parsed = ledgerEntrySchema.safeParse(cmd);
  if (!parsed.success) return fail('BAD_COMMAND', describe(cmd, parsed.error.issues));
  if (parsed.data.type !== 'BATCH') return dispatch(state, parsed.data, ctx);
  const results: LedgerResult[] = [];
  for (const inner of parsed.data.commands) {
    const r = applyInner(state, inner, ctx);
    results.push(r);
    onInner?.(inner, r);
  }
  return { ok: true, results };
}

/**
 * Sees each command of a BATCH right after it applied (the state as that command left it),
 * as an observer of single entries would. Observation only: it must not change the state.
 */
export type InnerObserver = (cmd: unknown, result: LedgerResult) => void;

const SINGLE_ONLY = new Set(['BATCH', 'ADD_MEMBER', 'PROMOTE_MEMBER', 'REMOVE_MEMBER', 'UPDATE_MEMBER_ADDRESS']);

/** One command of a BATCH: validated on its own, applied under the batch's index. */
function applyInner(state: LedgerState, cmd: unknown, ctx: ApplyContext): LedgerResult {
  const type = typeof cmd === 'object' && cmd !== null && 'type' in cmd ? (cmd as { type: unknown }).type : undefined;
  if (typeof type === 'string' && SINGLE_ONLY.has(type)) return fail('BAD_COMMAND', `${type} cannot be part of a BATCH`);
  const parsed = ledgerCommandSchema.safeParse(cmd);
  if (!parsed.success) return fail('BAD_COMMAND', describe(cmd, parsed.error.issues));
  return dispatch(state, parsed.data, ctx);
}

/** Records that an entry with no ledger command (a Raft no-op or config change) was applied. */
export function markApplied(state: LedgerState, ctx: ApplyContext): void {
  if (ctx.index > state.lastApplied) {
    state.lastApplied = ctx.index;
    state.lastAppliedTerm = ctx.term;
  }
}

function dispatch(state: LedgerState, cmd: LedgerCommand, ctx: ApplyContext): LedgerResult {
  switch (cmd.type) {
    case 'REGISTER_PLAYER':
      return registerPlayer(state, cmd, ctx);
    case 'SET_NAME':
      return setName(state, cmd);
    case 'BUY_PACK':
      return buyPack(state, cmd, ctx);
    case 'TRADE':
      return trade(state, cmd, ctx);
    case 'TRADE_OFFER':
      return tradeOffer(state, cmd, ctx);
    case 'TRADE_DECLINE':
      return tradeDecline(state, cmd, ctx);
    case 'MATCH_CREATED':
      return matchCreated(state, cmd, ctx);
    case 'MATCH_HAND':
      return matchHand(state, cmd);
    case 'MATCH_FAILOVER':
      return matchFailover(state, cmd);
    case 'MATCH_FINISHED':
      return matchFinished(state, cmd, ctx);
    case 'ADD_MEMBER':
    case 'PROMOTE_MEMBER':
    case 'REMOVE_MEMBER':
    case 'UPDATE_MEMBER_ADDRESS':
      return applyMember(state, cmd);
  }
}

function describe(cmd: unknown, issues: { path: PropertyKey[]; message: string }[]): string {
  const type = typeof cmd === 'object' && cmd !== null && 'type' in cmd ? String((cmd as { type: unknown }).type) : '?';
  const first = issues[0];
  const where = first && first.path.length > 0 ? `${first.path.map(String).join('.')}: ` : '';
  return `invalid ${type} command: ${where}${first?.message ?? 'malformed'}`.slice(0, 300);
}
