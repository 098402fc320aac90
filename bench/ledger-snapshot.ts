// Ledger snapshot micro-benchmark: builds a ledger of realistic size through the real state
// machine (players, purchases, matches played to the end), then times what a Raft snapshot
// costs on the event loop. Prints one JSON object.
//   npx tsx bench/ledger-snapshot.ts [--matches 100000] [--purchases 50000] [--players 1000] [--rounds 5] [--between 10000]
// serialize_cold_ms: a full encoding + JSON.stringify (the first snapshot of a process);
// serialize_ms: the same after --between more entries of match turnover (a snapshot
// interval), where only the players touched since the last snapshot are re-encoded
// (dirty_players says how many); both are what RaftNode.maybeCompact and the WAL snapshot
// writer do on the event loop. restore_ms: JSON.parse + deserializeLedger (a restart or an
// InstallSnapshot); bytes: the JSON text. Medians over --rounds.
import { parseArgs } from 'node:util';
import { HAND_SIZE } from '../protocol/cards.ts';
import {
  applyCommand,
  collectionOf,
  createLedger,
  deserializeLedger,
  ledgerDigest,
  serializeLedger,
  serializeLedgerFresh,
  type LedgerCommand,
  type LedgerState,
} from '../server/ledger/machine/index.ts';

const { values: args } = parseArgs({
  options: {
    matches: { type: 'string', default: '100000' },
    purchases: { type: 'string', default: '50000' },
    players: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
    between: { type: 'string', default: '10000' },
  },
});
const matches = Number(args.matches);
const purchases = Number(args.purchases);
const players = Number(args.players);
const rounds = Math.max(1, Number(args.rounds));
const between = Number(args.between);

function build(): { state: LedgerState; entries: number; build_ms: number; turnover: (entries: number) => void } {
  // Enough cards for every purchase (catalogue ≈ 2,800 cards per scale unit).
  const stockScale = Math.min(1000, Math.ceil((purchases * 5 * 1.2) / 2800) + 1);
  const state = createLedger({ clusterId: 'bench-cluster', stockScale, members: [{ id: 'n1', address: 'http://127.0.0.1:1', mqttPort: 1, voter: true }] });
  let index = 0;
  const apply = (cmd: LedgerCommand) => {
    const r = applyCommand(state, cmd, { index: ++index, term: 1 });
    if (!r.ok) throw new Error(`${cmd.type}: ${r.code} ${r.message}`);
    return r;
  };
  const t0 = performance.now();
  const ids = Array.from({ length: players }, (_, i) => `player-${String(i).padStart(6, '0')}-0000-0000-000000000000`);
  for (const id of ids) apply({ type: 'REGISTER_PLAYER', playerId: id, name: id.slice(0, 12), tokenHash: 'h'.repeat(64) });
  for (let i = 0; i < purchases; i++) apply({ type: 'BUY_PACK', requestId: `req-${i}-0000-0000-0000-000000000000`, playerId: ids[i % players] });
  const hands = new Map(ids.map((id) => [id, collectionOf(state, id).slice(0, HAND_SIZE).map((c) => c.id)]));
  let played = 0;
  const play = () => {
    const i = played++;
    // Pairs drift through the players, so an interval touches a realistic spread of them.
    const a = ids[(2 * i + Math.floor(i / players)) % players];
    const b = ids[(2 * i + 1 + Math.floor(i / players)) % players];
    if (a === b) return;
    const matchId = `match-${i}-0000-0000-0000-000000000000`;
    apply({ type: 'MATCH_CREATED', matchId, players: [a, b], host: 'n1', shadow: null, seed: `seed-${i}-0000000000000000` });
    apply({ type: 'MATCH_HAND', matchId, playerId: a, cardIds: hands.get(a)! });
    apply({ type: 'MATCH_HAND', matchId, playerId: b, cardIds: hands.get(b)! });
    apply({ type: 'MATCH_FINISHED', matchId, winnerId: i % 7 === 0 ? null : a, reason: 'NORMAL', scores: { [a]: 3, [b]: 2 }, at: 1_700_000_000_000 + i });
  };
  for (let i = 0; i < matches; i++) play();
  const turnover = (n: number) => {
    const until = index + n;
    while (index < until) play();
  };
  return { state, entries: index, build_ms: performance.now() - t0, turnover };
}

const median = (xs: number[]): number => xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const round = (ms: number): number => Math.round(ms * 10) / 10;

const { state, entries, build_ms, turnover } = build();
const cold: number[] = [];
const serialize: number[] = [];
const restore: number[] = [];
const digest: number[] = [];
const dirty: number[] = [];
let bytes = 0;
serializeLedger(state);
for (let k = 0; k < rounds; k++) {
  let t = performance.now();
  JSON.stringify(serializeLedgerFresh(state));
  cold.push(performance.now() - t);
  turnover(between);
  dirty.push(state.dirty.size);
  t = performance.now();
  const text = JSON.stringify(serializeLedger(state));
  serialize.push(performance.now() - t);
  bytes = Buffer.byteLength(text);
  t = performance.now();
  const copy = deserializeLedger(JSON.parse(text));
  restore.push(performance.now() - t);
  if (copy.lastApplied !== state.lastApplied) throw new Error('restore lost entries');
  t = performance.now();
  ledgerDigest(state);
  digest.push(performance.now() - t);
}
console.log(
  JSON.stringify({
    matches,
    purchases,
    players,
    entries,
    rounds,
    between,
    build_ms: round(build_ms),
    serialize_cold_ms: round(median(cold)),
    serialize_ms: round(median(serialize)),
    dirty_players: median(dirty),
    restore_ms: round(median(restore)),
    digest_ms: round(median(digest)),
    bytes,
    matches_in_memory: state.matches.size,
    purchases_in_memory: state.purchases.size,
    heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6),
  }),
);
