// The real ledger state machine (server/ledger/machine) plugged into the simulator. The
// workload registers a handful of players and buys packs (with retries of earlier
// requestIds) until the stock runs out, so the finite-stock path is exercised too.
// Extra checks: every acknowledged purchase's cards belong to the buyer on every replica,
// its record is kept while it is among the buyer's last PURCHASES_KEPT_PER_PLAYER, and a
// retried requestId (retries come within a few operations, well inside that bound) always
// got the same pack.
import {
  applyCommand,
  checkInvariants,
  collectionOf,
  createLedger,
  deserializeLedger,
  getPlayer,
  getPurchase,
  markApplied,
  PURCHASES_KEPT_PER_PLAYER,
  serializeLedger,
  type LedgerState,
} from '../../server/ledger/machine/index.ts';
import type { ClientOp, SimApp } from './app.ts';
import { TraceHash } from './hash.ts';

const PLAYERS = 6;
/** How far back (in operations) a client retries: fewer than any player's retained purchases. */
const RETRY_WINDOW = Math.min(300, PURCHASES_KEPT_PER_PLAYER - 8);

interface BuyPack {
  type: 'BUY_PACK';
  requestId: string;
  playerId: string;
}
interface RegisterPlayer {
  type: 'REGISTER_PLAYER';
  playerId: string;
  name: string;
  tokenHash: string;
}
type Cmd = BuyPack | RegisterPlayer;

interface OkPack {
  ok: true;
  cards: { id: string }[];
  remaining: number;
}

const playerId = (i: number): string => `player-${i}`;

function digestOf(s: string): string {
  const h = new TraceHash();
  h.add(s);
  return h.hex();
}

export const ledgerApp: SimApp<LedgerState> = {
  name: 'ledger',
  create: (members) =>
    createLedger({
      clusterId: 'sim-cluster',
      stockScale: 1,
      members: members.map((id) => ({ id, address: `sim://${id}`, mqttPort: 1883, voter: true })),
    }),
  apply: (state, data, ctx) => applyCommand(state, data, ctx),
  applyOther: (state, ctx) => markApplied(state, ctx),
  invariants: (state) => checkInvariants(state),
  // O(cards + records): sampled per node, and always at snapshots and at the end.
  checkEvery: 8,
  digestEvery: 128,
  // A hash of the canonical serialization (what ledgerDigest hashes too), computed with the
  // simulator's fast hash so a snapshot and its digest cost one serialization.
  digest: (state) => digestOf(JSON.stringify(serializeLedger(state))),
  // Bytes, as the real driver writes them: no object is ever shared between replicas.
  snapshot: (state) => JSON.stringify(serializeLedger(state)),
  snapshotWithDigest(state) {
    const data = JSON.stringify(serializeLedger(state));
    return { data, digest: digestOf(data) };
  },
  restore: (snap) => deserializeLedger(JSON.parse(snap as string)),

  nextCommand(rng, history) {
    // Register every player first (and again now and then: a repeated CONNECT).
    const n = history.length;
    if (n < PLAYERS || rng.chance(0.02)) {
      const i = n < PLAYERS ? n : rng.int(PLAYERS);
      return { type: 'REGISTER_PLAYER', playerId: playerId(i), name: `Jogador ${i}`, tokenHash: `hash-${i}` } satisfies RegisterPlayer;
    }
    // A client retry of an earlier purchase whose outcome it may not know.
    if (rng.chance(0.08)) {
      const old = history[n - 1 - rng.int(Math.min(n, RETRY_WINDOW))];
      if ((old.command as Cmd).type === 'BUY_PACK') return old.command;
    }
    return { type: 'BUY_PACK', requestId: `buy-${n}`, playerId: playerId(rng.int(PLAYERS)) } satisfies BuyPack;
  },

  checkAcked(state, acked) {
    const errs: string[] = [];
    const owned = new Map<string, Set<string>>();
    const cardsOf = (p: string): Set<string> => {
      let s = owned.get(p);
      if (!s) {
        s = new Set(collectionOf(state, p).map((c) => c.id));
        owned.set(p, s);
      }
      return s;
    };
    for (const op of acked) {
      const cmd = op.command as Cmd;
      const res = op.result as { ok: boolean } | undefined;
      if (!res?.ok) continue;
      if (cmd.type === 'REGISTER_PLAYER') {
        if (!getPlayer(state, cmd.playerId)) errs.push(`acked registration of ${cmd.playerId} is missing`);
        continue;
      }
      const pack = res as OkPack;
      const mine = cardsOf(cmd.playerId);
      for (const c of pack.cards) if (!mine.has(c.id)) errs.push(`acked ${cmd.requestId}: card ${c.id} not owned by ${cmd.playerId}`);
      const p = getPurchase(state, cmd.requestId);
      const forgotten = !p && (state.purchasesOf.get(cmd.playerId)?.size ?? 0) >= PURCHASES_KEPT_PER_PLAYER;
      if (forgotten) continue; // pushed out by the buyer's newer purchases
      if (!p || p.playerId !== cmd.playerId) errs.push(`acked ${cmd.requestId} has no purchase record`);
      else if (p.cards.map((c) => c.id).join() !== pack.cards.map((c) => c.id).join()) errs.push(`acked ${cmd.requestId}: record holds other cards`);
    }
    return errs;
  },

  checkHistory(history: readonly ClientOp[]) {
    const first = new Map<string, string>();
    const errs: string[] = [];
    for (const op of history) {
      const cmd = op.command as Cmd;
      if (op.outcome !== 'ok' || cmd.type !== 'BUY_PACK') continue;
      const r = op.result as { ok: boolean; cards?: { id: string }[] };
      if (!r.ok) continue;
      const got = (r.cards ?? []).map((c) => c.id).join();
      const prev = first.get(cmd.requestId);
      if (prev === undefined) first.set(cmd.requestId, got);
      else if (prev !== got) errs.push(`${cmd.requestId} returned different packs on retry`);
    }
    return errs;
  },
};
