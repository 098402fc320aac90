// Fuzzing every inter-node REST endpoint of a real 3-peer cluster with valid peer JWTs
// (fast-check): random JSON, random bytes and near-valid bodies (one field broken, dropped
// or added), forged senders and stale Raft terms, and mutated signed match events against
// a live match. Properties, per case: the node still runs and answers /health; the answer is
// a clear error (4xx {error, message}) — or, for Raft, a refusal with the node's own term;
// and nothing changed (ledger digest, stock, term, leader; the match logs).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { createHmac, randomBytes } from 'node:crypto';
import type { Peer } from '../support/peer.ts';
import type { TestCluster } from '../support/peer.ts';
import { MatchTools, type MatchLog } from '../support/matches.ts';
import type { MatchBot } from '../support/bot.ts';
import { waitFor } from '../support/peer.ts';
import { canonicalJson } from '../../server/game/index.ts';
import { anyJson, Caller, clearError, fuzzCluster, mutateObject, probe, report, settledProbe, stillAlive, timeBoxed } from './support.ts';

const MS = Number(process.env.TRINCA_FUZZ_MS_PER_SURFACE ?? 1200);

describe('REST fuzzing (real processes)', () => {
  let cluster: TestCluster;
  let c: Caller;
  let tools: MatchTools;
  let target: Peer;
  const bots: MatchBot[] = [];

  beforeAll(async () => {
    const f = await fuzzCluster();
    cluster = f.cluster;
    c = new Caller(cluster, f.clusterId);
    tools = new MatchTools(cluster, f.clusterId);
    target = cluster.peers[1];
  }, 90_000);
  afterAll(async () => {
    report('rest');
    await Promise.all(bots.map((b) => b.close()));
    await cluster?.stop();
  });

  /** Sends each generated body to `path`; every answer must be refused and change nothing. */
  async function refuses(surface: string, path: string, arb: fc.Arbitrary<{ body?: unknown; raw?: string; as?: string }>, accept: (r: { status: number; body: unknown }) => boolean = clearError, peer = target): Promise<number> {
    let before = await settledProbe(c, peer);
    const n = await timeBoxed(surface, arb, MS, async (v) => {
      const r = await c.call(peer, 'POST', path, v.body, { raw: v.raw, as: v.as });
      if (!accept(r)) throw new Error(`${path}: unexpected answer ${r.status} ${r.text.slice(0, 200)} to ${JSON.stringify(v).slice(0, 300)}`);
      const after = await probe(c, peer);
      expect(after, `${surface}: state changed after ${r.status} ${r.text.slice(0, 120)} to ${JSON.stringify(v).slice(0, 300)}`).toEqual(before);
      before = after;
    });
    expect(await stillAlive(peer)).toBe(true);
    return n;
  }

  const raw = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.constantFrom('{', '[1,2', '{"a":}', 'null', '"str"', '123', '\u0000', '{"__proto__":{"polluted":1}}', '[]'.repeat(5000)),
  );
  const garbage = fc.oneof(anyJson.map((body) => ({ body })), raw.map((r) => ({ raw: r })));
  const nodeIds = fc.oneof(fc.constantFrom('p1', 'p2', 'p3', 'leader', '', '..', 'a'.repeat(65)), fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/));

  it('membership: /register and /heartbeat refuse forged and malformed bodies', async () => {
    const reg = { id: 'p9', address: 'http://127.0.0.1:1', mqttPort: 1883 };
    const forgedReg = fc.record({ id: nodeIds, address: fc.constantFrom('http://127.0.0.1:9', 'x', ''), mqttPort: fc.integer({ min: -5, max: 70_000 }) }).filter((b) => b.id !== 'fuzzer');
    await refuses('register', '/register', fc.oneof(garbage, mutateObject(reg).map((body) => ({ body })), forgedReg.map((body) => ({ body }))));
    const hb = { id: 'p9', address: 'http://127.0.0.1:1', mqttPort: 1883, term: 1, leader: null };
    const forgedHb = fc.record({ id: nodeIds.filter((x) => x !== 'fuzzer'), address: fc.constant('http://127.0.0.1:9'), term: fc.nat(), leader: fc.constant(null) });
    await refuses('heartbeat', '/heartbeat', fc.oneof(garbage, mutateObject(hb).map((body) => ({ body })), forgedHb.map((body) => ({ body }))));
    // Removal of a peer that is not in the cluster (a real member would really be removed).
    const removal = fc.oneof(garbage, fc.record({ id: nodeIds.filter((x) => !['p1', 'p2', 'p3'].includes(x)) }).map((body) => ({ body })), mutateObject({ id: 'p9' }).filter((o) => !['p1', 'p2', 'p3'].includes(o.id as string)).map((body) => ({ body })));
    await refuses('cluster/remove_member', '/cluster/remove_member', removal);
    const servers = await c.call(target, 'GET', '/servers');
    expect((servers.body as { id: string }[]).map((s) => s.id).sort()).toEqual(['p1', 'p2', 'p3']);
  }, 60_000);

  it('Raft: forged senders and stale terms are refused, the term and leader stay', async () => {
    const st = await probe(c, target);
    expect(st.term).toBeGreaterThan(0);
    const stale = fc.integer({ min: 0, max: st.term - 1 });
    const refusedRaft = (r: { status: number; body: unknown }) => {
      if (clearError(r)) return true;
      const b = r.body as { term?: number; voteGranted?: boolean; success?: boolean };
      return r.status === 200 && b.term === st.term && (b.voteGranted === false || b.success === false || (b.voteGranted === undefined && b.success === undefined));
    };
    // A message whose sender is the token's own id may only carry a stale term: a member of
    // the cluster at a higher term is, by Raft's rules, to be obeyed (see the report).
    const staleIfOwn = (field: string) => (o: Record<string, unknown>) => (o[field] === 'fuzzer' && typeof o.term === 'number' && o.term >= st.term ? { ...o, term: st.term - 1 } : o);
    const vote = fc.record({ term: fc.oneof(stale, fc.nat()), candidateId: nodeIds, lastLogIndex: fc.nat(), lastLogTerm: fc.nat(), preVote: fc.boolean() });
    // Sender = token: stale terms only. Sender ≠ token: any term (a forgery, 403).
    const votes = fc.oneof(
      vote.map((b) => ({ body: { ...b, candidateId: 'fuzzer', term: Math.min(b.term, st.term - 1) } })),
      vote.filter((b) => b.candidateId !== 'fuzzer').map((body) => ({ body })),
      garbage,
      mutateObject({ term: 0, candidateId: 'fuzzer', lastLogIndex: 0, lastLogTerm: 0, preVote: false }).map(staleIfOwn('candidateId')).map((body) => ({ body })),
    );
    await refuses('eleicao/solicitar_voto', '/eleicao/solicitar_voto', votes, refusedRaft);

    const entry = fc.record({ term: fc.nat(5), index: fc.integer({ min: 1, max: 1_000_000 }), kind: fc.constantFrom('noop', 'command', 'config', 'bogus'), data: anyJson });
    const append = fc.record({ term: stale, leaderId: fc.constant('fuzzer'), prevLogIndex: fc.nat(), prevLogTerm: fc.nat(), entries: fc.array(entry, { maxLength: 4 }), leaderCommit: fc.nat() });
    const appends = fc.oneof(
      append.map((body) => ({ body })),
      append.chain((b) => nodeIds.filter((x) => x !== 'fuzzer').map((leaderId) => ({ body: { ...b, term: b.term + st.term + 1, leaderId } }))),
      garbage,
      mutateObject({ term: 0, leaderId: 'fuzzer', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 }).map(staleIfOwn('leaderId')).map((body) => ({ body })),
    );
    await refuses('eleicao/declarar_lider', '/eleicao/declarar_lider', appends, refusedRaft);

    const snap = fc.record({ term: stale, leaderId: fc.constant('fuzzer'), lastIncludedIndex: fc.nat(), lastIncludedTerm: fc.nat(), config: fc.record({ voters: fc.array(nodeIds, { maxLength: 3 }), learners: fc.constant([]) }), data: anyJson });
    const snaps = fc.oneof(
      snap.map((body) => ({ body })),
      mutateObject({ term: 0, leaderId: 'fuzzer', lastIncludedIndex: 1, lastIncludedTerm: 1, config: { voters: ['p1'], learners: [] }, data: {} }).map(staleIfOwn('leaderId')).map((body) => ({ body })),
      snap.chain((b) => nodeIds.filter((x) => x !== 'fuzzer').map((leaderId) => ({ body: { ...b, term: st.term + 3, leaderId } }))),
      garbage,
    );
    await refuses('raft/install_snapshot', '/raft/install_snapshot', snaps, refusedRaft);

    const command = fc.oneof(
      anyJson,
      fc.record({ type: fc.constantFrom('BUY_PACK', 'TRADE', 'MATCH_CREATED', 'MATCH_FINISHED', 'REGISTER_PLAYER', 'NOPE'), x: anyJson }),
      mutateObject({ type: 'BUY_PACK', requestId: 'fz', playerId: 'nobody' }).filter((o) => o.type !== 'BUY_PACK' || typeof o.requestId !== 'string' || typeof o.playerId !== 'string' || o.playerId === ''),
      fc.constantFrom({ type: 'ADD_MEMBER', id: 'evil', address: 'http://127.0.0.1:1', mqttPort: 1 }, { type: 'REMOVE_MEMBER', id: 'p3' }, { type: 'PROMOTE_MEMBER', id: 'p3' }),
    );
    const proposals = fc.oneof(
      command.map((cmd) => ({ body: { command: cmd } })),
      fc.array(command, { maxLength: 3 }).map((cmds) => ({ body: { commands: cmds } })),
      garbage,
    );
    // A batch is answered 200 with one outcome per command: each must be a refusal.
    const refusedBatch = (r: { status: number; body: unknown }) => {
      if (clearError(r)) return true;
      const results = (r.body as { results?: unknown[] } | undefined)?.results;
      return r.status === 200 && Array.isArray(results) && results.every((x) => clearError({ status: 400, body: x }));
    };
    await refuses('raft/propose', '/raft/propose', proposals, refusedBatch, cluster.peers[0]);
    const after = await probe(c, target);
    expect(after.term).toBe(st.term);
    expect(after.leader).toBe(st.leader);
  }, 60_000);

  it('stock and matchmaking: malformed purchases, unknown players, forged origins, unknown reservations', async () => {
    // Unknown players are refused by the ledger itself (404 UNKNOWN_PLAYER): that entry is
    // in the log, so lastApplied moves; nothing else may.
    let before = await settledProbe(c, target);
    const buys = fc.oneof(
      garbage,
      mutateObject({ requestId: 'fz-1', playerId: 'nobody' }).map((body) => ({ body })),
      fc.record({ requestId: fc.string({ minLength: 1, maxLength: 20 }), playerId: fc.uuid() }).map((body) => ({ body })),
    );
    await timeBoxed('estoque/comprar_pacote', buys, MS * 3, async (v) => {
      const r = await c.call(target, 'POST', '/estoque/comprar_pacote', 'body' in v ? v.body : undefined, { raw: 'raw' in v ? v.raw : undefined });
      expect(clearError(r), `${r.status} ${r.text}`).toBe(true);
      if ((r.body as { error?: string }).error === 'UNKNOWN_PLAYER') {
        const after = await settledProbe(c, target);
        expect({ ...after, digest: '', lastApplied: 0 }).toEqual({ ...before, digest: '', lastApplied: 0 });
        before = after;
      } else {
        const after = await probe(c, target);
        expect(after, `comprar_pacote: state changed after ${r.status} ${r.text.slice(0, 120)}`).toEqual(before);
        before = after;
      }
    });

    const solicitar = fc.record({ requestId: fc.string({ minLength: 1, maxLength: 20 }), playerId: fc.uuid(), playerName: fc.string({ minLength: 1, maxLength: 10 }), origin: nodeIds.filter((x) => x !== 'fuzzer') });
    await refuses('matchmaking/solicitar_oponente', '/matchmaking/solicitar_oponente', fc.oneof(garbage, solicitar.map((body) => ({ body })), mutateObject({ requestId: 'x', playerId: 'y', playerName: 'z', origin: 'fuzzer' }).filter((o) => o.origin !== 'fuzzer').map((body) => ({ body }))));
    const unknownReservation = (r: { status: number; body: unknown }) => clearError(r) || (r.status === 200 && (r.body as { status?: string }).status === 'unknown');
    const confirmar = fc.record({ requestId: fc.string({ minLength: 1, maxLength: 20 }), sala_id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/), commit: fc.boolean() });
    await refuses('matchmaking/confirmar_partida', '/matchmaking/confirmar_partida', fc.oneof(garbage, confirmar.map((body) => ({ body })), mutateObject({ requestId: 'x', sala_id: 'y', commit: true }).map((body) => ({ body }))), unknownReservation);
    const fila = await c.call(target, 'GET', '/matchmaking/fila');
    expect((fila.body as { entries: unknown[]; reservations: number }).entries).toEqual([]);
    expect((fila.body as { reservations: number }).reservations).toBe(0);
  }, 60_000);

  it('replicated events: mutated signed events on /game/start, /game/replicate, /game/event, /game/notify, /game/presence change no log', async () => {
    const { a, b, matchId } = await tools.pair(cluster.peers[0], cluster.peers[2]);
    bots.push(a, b);
    a.autoplay = false;
    b.autoplay = false;
    await Promise.all([a.buyHand(), b.buyHand()]);
    await waitFor('JOGANDO', () => a.updates.some((u) => u.phase === 'JOGANDO'), 20_000);
    const meta = ((await tools.log(cluster.peers[0], matchId)) ?? (await tools.log(cluster.peers[2], matchId)))!;
    const host = cluster.peer(meta.host);
    const shadow = cluster.peer(meta.shadow!);
    const logOf = async (p: Peer) => (await tools.log(p, matchId)) as MatchLog;
    const hostLog = await logOf(host);
    const shadowBefore = await logOf(shadow);
    const events = hostLog.events as unknown as Record<string, unknown>[];
    const signer = tools.signer();
    const wrongKey = randomBytes(32);
    const signWrong = (o: Record<string, unknown>) => {
      const { signature: _s, ...rest } = o;
      return { ...rest, signature: createHmac('sha256', wrongKey).update(canonicalJson(rest)).digest('base64url') };
    };
    // An event that is broken: a field changed after signing, re-signed with another key, or its signature mangled.
    const badEvent = fc.record({ i: fc.nat(events.length - 1), how: fc.nat(2), field: fc.constantFrom('type', 'eventSeq', 'epoch', 'playerId', 'cardId', 'at', 'matchId', 'zz'), v: anyJson }).map(({ i, how, field, v }) => {
      const e = { ...events[i] };
      if (how === 0) return { ...e, [field]: v === e[field] ? 'changed' : v };
      if (how === 1) return signWrong({ ...e, [field]: v });
      return { ...e, signature: String(e.signature).split('').reverse().join('') };
    });
    const badLog = fc.record({ j: fc.nat(events.length - 1), bad: badEvent }).map(({ j, bad }) => events.map((e, k) => (k === j ? bad : e)));
    const noLogChange = async () => {
      expect((await logOf(shadow)).events).toEqual(shadowBefore.events);
      expect((await logOf(host)).eventSeq).toBe(hostLog.eventSeq);
    };
    const next = { type: 'CHAT', seq: hostLog.eventSeq + 1, at: Date.now(), playerId: a.id, text: 'fuzz' };

    const starts = fc.oneof(
      badLog.map((evs) => ({ body: { matchId, epoch: hostLog.epoch, host: host.id, shadow: shadow.id, players: [{ id: a.id, name: 'a' }, { id: b.id, name: 'b' }], events: evs }, as: host.id })),
      badLog.map((evs) => ({ body: { matchId, epoch: hostLog.epoch + 1, host: 'fuzzer', shadow: shadow.id, players: [{ id: a.id, name: 'a' }, { id: b.id, name: 'b' }], events: evs } })),
      garbage,
    );
    await refuses('game/start', '/game/start', starts, clearError, shadow);
    await noLogChange();

    const replicate = fc.oneof(
      badEvent.map((e) => ({ body: { matchId, epoch: hostLog.epoch, fromSeq: hostLog.eventSeq + 1, events: [{ ...e, eventSeq: hostLog.eventSeq + 1 }], stateHash: 'x' }, as: host.id })),
      fc.record({ seq: fc.integer({ min: 1, max: hostLog.eventSeq + 5 }), epoch: fc.integer({ min: 1, max: hostLog.epoch + 2 }) })
        .filter(({ seq, epoch }) => seq !== hostLog.eventSeq + 1 || epoch !== hostLog.epoch)
        .map(({ seq, epoch }) => ({ body: { matchId, epoch, fromSeq: seq, events: [signer.signEvent({ ...next, seq } as never, matchId, epoch)], stateHash: 'x' }, as: host.id })),
      fc.constant({ body: { matchId, epoch: hostLog.epoch, fromSeq: hostLog.eventSeq + 1, events: [signer.signEvent(next as never, matchId, hostLog.epoch)], stateHash: 'x' } }),
      garbage,
    );
    await refuses('game/replicate', '/game/replicate', replicate, clearError, shadow);
    await noLogChange();

    const cmd = { matchId, epoch: hostLog.epoch, playerId: a.id, type: 'CHAT', data: { text: 'fuzz' }, requestId: 'fz' };
    const gameEvents = fc.oneof(
      mutateObject(signer.sign(cmd), { addFields: false }).map((body) => ({ body })),
      fc.record({ type: fc.constantFrom('JOGAR', 'CHAT', 'COMPRAR', 'PRONTO', 'FORFEIT', 'ATTACH'), data: fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { maxKeys: 3 }) }).map(({ type, data }) => ({ body: signWrong({ ...cmd, type, data }) })),
      fc.integer({ min: hostLog.epoch + 1, max: hostLog.epoch + 9 }).map((epoch) => ({ body: signer.sign({ ...cmd, epoch, type: 'FORFEIT', data: { reason: 'x' } }) })),
      garbage,
    );
    await refuses('game/event', '/game/event', gameEvents, clearError, host);
    await noLogChange();

    const notify = fc.oneof(
      badEvent.map((e) => ({ body: { matchId, epoch: hostLog.epoch, fromSeq: hostLog.eventSeq + 1, events: [{ ...e, eventSeq: hostLog.eventSeq + 1 }] } })),
      garbage,
    );
    await refuses('game/notify', '/game/notify', notify, clearError, cluster.peers.find((p) => p !== host && p !== shadow) ?? shadow);
    await refuses('game/presence', '/game/presence', fc.oneof(garbage.filter((g) => !('body' in g) || !isPresence(g.body)), mutateObject({ players: [a.id] }).filter((o) => !isPresence(o)).map((body) => ({ body }))), clearError, host);
    await noLogChange();
    for (const p of cluster.peers) expect(await stillAlive(p)).toBe(true);
    a.resume();
    b.resume();
  }, 90_000);

  it('unknown routes, wrong methods and oversized bodies get a clear error', async () => {
    const paths = fc.oneof(fc.constantFrom('/raft/nope', '/game', '/estoque', '/ledger/digest/x', '/%2e%2e/secret', '/game/x/log/y', '/register/'), fc.webPath());
    await timeBoxed('routes', fc.record({ p: paths, m: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') }), MS / 2, async ({ p, m }) => {
      const r = await c.call(target, m, p, m === 'GET' || m === 'DELETE' ? undefined : {});
      if (r.status === 200) return; // a real GET route (e.g. /servers) or the UI's static files
      expect(clearError(r), `${m} ${p}: ${r.status} ${r.text.slice(0, 120)}`).toBe(true);
    });
    // As a member: a non-member meets 403 NOT_A_MEMBER before its body is read.
    const big = await c.call(target, 'POST', '/estoque/comprar_pacote', undefined, { raw: JSON.stringify({ requestId: 'x', playerId: 'y', pad: 'z'.repeat(1_100_000) }), as: 'p1' });
    expect(big.status).toBe(413);
    expect(clearError({ status: 400, body: big.body })).toBe(true);
    expect(await stillAlive(target)).toBe(true);
  }, 60_000);
});

function isPresence(b: unknown): boolean {
  const o = b as { players?: unknown };
  return typeof o === 'object' && o !== null && !Array.isArray(o) && Array.isArray(o.players) && o.players.length <= 10_000 && o.players.every((p) => typeof p === 'string' && p.length >= 1 && p.length <= 128);
}
