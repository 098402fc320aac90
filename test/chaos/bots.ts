// Bot players for the chaos campaign. Each bot is one player (one MQTT connection, to its
// home peer first and to any other peer when that one fails) doing what players do, at
// random from its seed: buy packs over REST (POST /estoque/comprar_pacote, any peer) and
// over MQTT (COMPRAR), propose and answer trades, queue and play whole matches. Every
// operation goes to the history as invoke → ok | fail | info; a bot has one operation in
// flight at a time. Retries reuse the requestId (the same ledger key), as a careful client does.
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes, randomUUID } from 'node:crypto';
import { commandsTopic, matchEventsTopic, playerEventsTopic } from '../../protocol/topics.ts';
import { Rng } from '../sim/rng.ts';
import { DEFINITE_FAILURES } from './checker.ts';
import type { ChaosCluster } from './cluster.ts';
import type { History } from './history.ts';

type Ev = { type: string; requestId?: string; [k: string]: unknown };
type Outcome = { type: 'ok' | 'fail' | 'info'; value: Record<string, unknown> };
interface CardRef { id: string; value?: number }
interface Offer { tradeId: string; fromPlayerId: string; offerCard: CardRef; wantCard: CardRef }

interface MatchView {
  matchId: string;
  view: Ev | null;
  hand: CardRef[];
  handSet: boolean;
  ended: boolean;
  lastPlayedSeq: number;
  lastProgress: number;
  failedAt: number;
  prontoTried: boolean;
  /** The requestId of the hand purchase in flight (kept while its outcome is unknown). */
  handReq: string;
  handAttempt: number;
  /** Wait for MAO until then before buying again. */
  handWaitUntil: number;
}

export type BotPhase = 'run' | 'drain' | 'stop';

export interface BotEnv {
  history: History;
  cluster: ChaosCluster;
  bots: ChaosBot[];
  phase(): BotPhase;
  /** Told when a bot learns its match ended (the campaign then takes the match's logs). */
  onMatchEnd?: (matchId: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ChaosBot {
  readonly playerId = randomUUID();
  readonly token = randomBytes(32).toString('base64url');
  readonly cards = new Set<string>();
  readonly locked = new Set<string>();
  match: MatchView | null = null;
  connected = false;
  exited = false;
  private client: MqttClient | null = null;
  private peer: number;
  private readonly rng: Rng;
  private readonly offers: Offer[] = [];
  private readonly proposals = new Map<string, { offer: string; want: string }>();
  private readonly waiters = new Map<string, { resolve: (e: Ev) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; pred?: (e: Ev) => boolean }>();
  private readonly seenMatches = new Set<string>();
  private seq = 0;
  private lastQueueAt = 0;
  private changed: (() => void) | null = null;

  constructor(
    readonly name: string,
    home: number,
    seed: number,
    private readonly env: BotEnv,
  ) {
    this.peer = home;
    this.rng = new Rng(seed);
  }

  private get h(): History {
    return this.env.history;
  }
  private get n(): number {
    return this.env.cluster.peers.length;
  }

  // ---- connection ----------------------------------------------------------------------------

  private async connect(peer: number): Promise<void> {
    const url = this.env.cluster.peers[peer].ep.mqttUrl;
    const client = await mqtt.connectAsync(url, {
      username: this.playerId,
      password: this.token,
      clientId: `${this.playerId}.chaos-${this.name}-${randomBytes(3).toString('hex')}`,
      reconnectPeriod: 0,
      connectTimeout: 4000,
      keepalive: 3,
      protocolVersion: 4,
    });
    client.on('error', () => undefined);
    this.client = client;
    this.peer = peer;
    this.connected = true;
    client.on('close', () => {
      if (this.client !== client) return;
      this.connected = false;
      for (const [rid, w] of this.waiters) {
        clearTimeout(w.timer);
        w.reject(new Error('connection lost'));
        this.waiters.delete(rid);
      }
      this.poke();
    });
    client.on('message', (topic, payload) => {
      let e: Ev;
      try {
        e = JSON.parse(payload.toString()) as Ev;
      } catch {
        return;
      }
      this.onEvent(e);
    });
    const welcome = this.nextEvent((e) => e.type === 'BEM_VINDO', 4000).catch(() => null);
    await client.subscribeAsync(playerEventsTopic(this.playerId), { qos: 0 });
    const w = await welcome;
    const active = w?.activeMatchId as string | undefined;
    if (active) this.adoptMatch(active, w);
    else if (w && this.match && !this.match.ended && Date.now() - this.match.lastProgress > 5000) {
      // The ledger says we are in no match: it ended while we were away.
      this.endMatch('ledger shows no active match');
    }
    if (this.match && !this.match.ended) await client.subscribeAsync(matchEventsTopic(this.match.matchId), { qos: 0 }).catch(() => undefined);
  }

  private async reconnect(): Promise<void> {
    this.dropClient();
    const next = (this.peer + 1 + this.rng.int(Math.max(1, this.n - 1))) % this.n;
    try {
      await this.connect(next);
    } catch {
      this.peer = next;
      await sleep(300);
    }
  }

  private dropClient(): void {
    const c = this.client;
    this.client = null;
    this.connected = false;
    if (c) c.end(true);
  }

  private nextEvent(pred: (e: Ev) => boolean, timeoutMs: number): Promise<Ev> {
    const rid = `__wait-${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(rid);
        reject(new Error('timeout'));
      }, timeoutMs);
      this.waiters.set(rid, { resolve, reject, timer, pred });
    });
  }

  private request(cmd: Record<string, unknown>, timeoutMs = 10_000): Promise<Ev> {
    const client = this.client;
    if (!client || !this.connected) return Promise.reject(new Error('not connected'));
    const requestId = (cmd.requestId as string | undefined) ?? `r${++this.seq}-${randomBytes(3).toString('hex')}`;
    const reply = new Promise<Ev>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(requestId);
        reject(new Error('timeout'));
      }, timeoutMs);
      this.waiters.set(requestId, { resolve, reject, timer });
    });
    client.publish(commandsTopic(this.playerId), JSON.stringify({ ...cmd, requestId }), { qos: 0 });
    return reply;
  }

  private poke(): void {
    const c = this.changed;
    this.changed = null;
    c?.();
  }

  private waitChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.changed = null;
        resolve();
      }, ms);
      this.changed = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  // ---- events --------------------------------------------------------------------------------

  private onEvent(e: Ev): void {
    if (e.requestId && this.waiters.has(e.requestId)) {
      const w = this.waiters.get(e.requestId)!;
      this.waiters.delete(e.requestId);
      clearTimeout(w.timer);
      w.resolve(e);
    }
    for (const [rid, w] of this.waiters) {
      if (w.pred && w.pred(e)) {
        this.waiters.delete(rid);
        clearTimeout(w.timer);
        w.resolve(e);
      }
    }
    const m = this.match;
    switch (e.type) {
      case 'PARTIDA_ENCONTRADA':
        this.adoptMatch(e.matchId as string, e);
        break;
      case 'MAO':
        if (m && e.matchId === m.matchId) {
          m.hand = (e.hand as CardRef[]) ?? [];
          if (m.hand.length > 0) m.handSet = true;
          this.locked.clear();
          for (const c of m.hand) this.locked.add(c.id);
        }
        break;
      case 'ATUALIZACAO_JOGO':
        if (m && e.matchId === m.matchId && (!m.view || (e.eventSeq as number) >= (m.view.eventSeq as number))) {
          m.view = e;
          m.lastProgress = Date.now();
          if (e.phase === 'FINALIZADO') this.endMatch('final update');
        }
        break;
      case 'FIM_DE_JOGO':
        if (m && e.matchId === m.matchId) {
          if (!m.ended) {
            this.h.event(this.name, 'match-end', { matchId: m.matchId, playerId: this.playerId, winnerId: e.winnerId ?? null, reason: e.reason ?? null });
            this.env.onMatchEnd?.(m.matchId);
          }
          m.ended = true;
        }
        break;
      case 'TROCA_PROPOSTA':
        if (!this.offers.some((o) => o.tradeId === e.tradeId)) this.offers.push({ tradeId: e.tradeId as string, fromPlayerId: e.fromPlayerId as string, offerCard: e.offerCard as CardRef, wantCard: e.wantCard as CardRef });
        break;
      case 'TROCA_CONCLUIDA': {
        const p = this.proposals.get(e.tradeId as string);
        if (p) {
          this.cards.delete(p.offer);
          this.cards.add(p.want);
          this.proposals.delete(e.tradeId as string);
        }
        break;
      }
    }
    this.poke();
  }

  private adoptMatch(matchId: string, e: Ev | null): void {
    if (!matchId) return;
    if (!this.seenMatches.has(matchId)) {
      this.seenMatches.add(matchId);
      this.h.event(this.name, 'match-found', { matchId, playerId: this.playerId, host: e?.host ?? null, shadow: e?.shadow ?? null, via: e?.type ?? null });
    }
    if (this.match?.matchId === matchId) return;
    this.match = { matchId, view: null, hand: [], handSet: false, ended: false, lastPlayedSeq: -1, lastProgress: Date.now(), failedAt: 0, prontoTried: false, handReq: `h-${matchId}`, handAttempt: 0, handWaitUntil: 0 };
    this.locked.clear();
    void this.client?.subscribeAsync(matchEventsTopic(matchId), { qos: 0 }).catch(() => undefined);
  }

  private endMatch(why: string): void {
    const m = this.match;
    if (!m || m.ended) return;
    m.ended = true;
    this.h.event(this.name, 'match-end', { matchId: m.matchId, playerId: this.playerId, winnerId: null, reason: `(${why})` });
    this.env.onMatchEnd?.(m.matchId);
  }

  // ---- operations ------------------------------------------------------------------------------

  private async op(f: string, value: Record<string, unknown>, fn: () => Promise<Outcome>): Promise<Outcome> {
    const id = this.h.invoke(this.name, f, value);
    let out: Outcome;
    try {
      out = await fn();
    } catch (err) {
      out = { type: 'info', value: { error: (err as Error).message } };
    }
    this.h.complete(this.name, id, f, out.type, out.value);
    return out;
  }

  /** A reply: the expected type is ok; a definite refusal is fail; anything else is unknown. */
  private classify(r: Ev, okTypes: string[], value: (r: Ev) => Record<string, unknown> = () => ({})): Outcome {
    if (okTypes.includes(r.type)) return { type: 'ok', value: value(r) };
    const code = String(r.code ?? r.type);
    return { type: r.type === 'ERRO' && DEFINITE_FAILURES.has(code) ? 'fail' : 'info', value: { code, message: String(r.message ?? '') } };
  }

  private gotCards(cards: CardRef[]): void {
    for (const c of cards) this.cards.add(c.id);
  }

  private async buyRest(): Promise<void> {
    const key = `rest-${this.name}-${++this.seq}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const peer = this.rng.int(this.n);
      const out = await this.op('buy', { key, playerId: this.playerId, via: 'rest', requestId: key, peer: this.env.cluster.peers[peer].id }, async () => {
        const r = await this.env.cluster.call<{ cards?: CardRef[]; remaining?: number; error?: string; message?: string }>(peer, 'POST', '/estoque/comprar_pacote', { requestId: key, playerId: this.playerId }, 10_000);
        if (r.status === 200 && Array.isArray(r.body.cards)) {
          this.gotCards(r.body.cards);
          return { type: 'ok', value: { cards: r.body.cards.map((c) => c.id), remaining: r.body.remaining } };
        }
        const code = r.body.error ?? `HTTP_${r.status}`;
        return { type: DEFINITE_FAILURES.has(code) ? 'fail' : 'info', value: { code, status: r.status } };
      });
      if (out.type !== 'info' || this.env.phase() === 'stop') return;
      await sleep(300);
    }
  }

  private async buyMqtt(requestId: string, matchId?: string): Promise<Outcome> {
    const key = `${this.playerId}:${requestId}`;
    return this.op('buy', { key, playerId: this.playerId, via: 'mqtt', requestId, peer: this.env.cluster.peers[this.peer].id, ...(matchId ? { matchId } : {}) }, async () => {
      const r = await this.request({ type: 'COMPRAR', requestId }, 12_000);
      const out = this.classify(r, ['PACOTE_RESULTADO'], (x) => ({ cards: (x.cards as CardRef[]).map((c) => c.id), remaining: x.remaining }));
      if (out.type === 'ok') this.gotCards(r.cards as CardRef[]);
      return out;
    });
  }

  private freeCards(): string[] {
    return [...this.cards].filter((c) => !this.locked.has(c));
  }

  private async propose(): Promise<void> {
    const mine = this.freeCards();
    const others = this.env.bots.filter((b) => b !== this && b.freeCards().length > 0);
    if (mine.length === 0 || others.length === 0) return;
    const to = this.rng.pick(others);
    const offer = this.rng.pick(mine);
    const want = this.rng.pick(to.freeCards());
    const requestId = randomUUID();
    await this.op('propose', { requestId, from: this.playerId, to: to.playerId, offer, want }, async () => {
      const r = await this.request({ type: 'PROPOR_TROCA', requestId, toPlayerId: to.playerId, offerCardId: offer, wantCardId: want }, 12_000);
      const out = this.classify(r, ['TROCA_ENVIADA'], (x) => ({ tradeId: x.tradeId }));
      if (out.type === 'ok') this.proposals.set(r.tradeId as string, { offer, want });
      return out;
    });
  }

  private async respond(o: Offer): Promise<void> {
    const accept = this.rng.chance(0.75);
    const value = { tradeId: o.tradeId, by: this.playerId, accept, from: o.fromPlayerId, to: this.playerId, offer: o.offerCard.id, want: o.wantCard.id };
    await this.op('respond', value, async () => {
      const r = await this.request({ type: 'RESPONDER_TROCA', tradeId: o.tradeId, accept }, 12_000);
      const out = this.classify(r, ['TROCA_CONCLUIDA', 'TROCA_RECUSADA'], (x) => ({ result: x.type === 'TROCA_CONCLUIDA' ? 'done' : 'declined', reason: x.reason ?? null }));
      if (out.type === 'ok' && out.value.result === 'done') {
        this.cards.delete(o.wantCard.id);
        this.cards.add(o.offerCard.id);
      }
      return out;
    });
  }

  private async read(): Promise<void> {
    await this.op('read', { playerId: this.playerId }, async () => {
      const r = await this.request({ type: 'COLECAO' }, 8000);
      const out = this.classify(r, ['COLECAO'], (x) => ({ count: (x.cards as unknown[]).length }));
      if (out.type === 'ok') {
        this.cards.clear();
        for (const c of r.cards as CardRef[]) this.cards.add(c.id);
      }
      return out;
    });
  }

  private async queue(): Promise<void> {
    this.lastQueueAt = Date.now();
    const out = await this.op('queue', { playerId: this.playerId }, async () => this.classify(await this.request({ type: 'ENTRAR_FILA' }, 10_000), ['AGUARDANDO_OPONENTE']));
    if (out.type === 'fail' && out.value.code === 'PLAYER_IN_MATCH' && !this.match) {
      this.dropClient(); // the ledger has us in a match we were not told about: BEM_VINDO will say which
      return;
    }
    if (out.type !== 'ok') return;
    const end = Date.now() + 6000 + this.rng.int(4000);
    while (!this.match && Date.now() < end && this.connected && this.env.phase() !== 'stop') await this.waitChange(200);
    if (this.match || !this.connected) return;
    this.lastQueueAt = Date.now();
    const left = await this.op('leave', { playerId: this.playerId }, async () => this.classify(await this.request({ type: 'SAIR_FILA' }, 35_000), ['FILA_CANCELADA']));
    if (left.type === 'fail' && left.value.code === 'PLAYER_IN_MATCH') {
      const until = Date.now() + 10_000;
      while (!this.match && Date.now() < until && this.connected) await this.waitChange(200);
      if (!this.match) this.dropClient();
    }
  }

  // ---- a match ---------------------------------------------------------------------------------

  private async stepMatch(m: MatchView): Promise<void> {
    const view = m.view;
    const phase = view?.phase as string | undefined;
    if (!m.handSet && (!phase || phase === 'AGUARDANDO_COMPRA')) {
      await this.chooseHand(m);
      return;
    }
    if (phase === 'JOGANDO' && view!.turn === this.playerId && (view!.eventSeq as number) > m.lastPlayedSeq && m.hand.length > 0) {
      await this.play(m, view!);
      return;
    }
    const idle = Date.now() - m.lastProgress;
    if (m.failedAt && Date.now() - m.failedAt > 3000) {
      m.failedAt = 0;
      m.lastPlayedSeq = -1; // a refused or lost move with no news since: look again
    }
    if (idle > 20_000 && idle < 20_400) void this.client?.subscribeAsync(matchEventsTopic(m.matchId), { qos: 0 }).catch(() => undefined);
    if (idle > 40_000) {
      m.lastProgress = Date.now();
      this.dropClient(); // reconnecting brings BEM_VINDO, MAO and the latest update again
      return;
    }
    await this.waitChange(300);
  }

  private async chooseHand(m: MatchView): Promise<void> {
    if (Date.now() < m.handWaitUntil) {
      await this.waitChange(300); // a hand was bought or set: its MAO is on the way
      return;
    }
    const free = this.freeCards();
    const soldOut = m.handReq === 'sold-out';
    if ((!m.prontoTried || soldOut) && free.length >= 5 && (soldOut || this.rng.chance(0.25))) {
      m.prontoTried = true;
      const cardIds = this.rng.shuffle(free).slice(0, 5);
      const out = await this.op('hand', { matchId: m.matchId, playerId: this.playerId, cardIds }, async () => this.classify(await this.request({ type: 'PRONTO', cardIds }, 12_000), ['OK'], (x) => ({ eventSeq: x.eventSeq, matchId: x.matchId })));
      if (out.type === 'ok') m.handWaitUntil = Date.now() + 6000;
      // The match ended while we missed its last update: a player stops asking, as on BEM_VINDO.
      else if (out.type === 'fail' && (out.value.code === 'NOT_IN_MATCH' || out.value.code === 'MATCH_FINISHED')) this.endMatch(`PRONTO refused: ${String(out.value.code)}`);
      else await this.waitChange(1000);
      return;
    }
    if (soldOut) {
      // Sold out and fewer than 5 cards of our own: nothing to play with (docs/design.md §5 has no
      // timer for this phase). Try a purchase again now and then, with a fresh requestId.
      m.handReq = `h-${m.matchId}-${++m.handAttempt}`;
      await this.waitChange(2000);
      return;
    }
    const out = await this.buyMqtt(m.handReq, m.matchId);
    if (out.type === 'ok') {
      // PACOTE_RESULTADO: the pack is our hand if the node saw us in the match awaiting
      // hands; if it did not (its replica lagged), it was an ordinary purchase and no MAO
      // comes. Then buy again, as a player would, with a new requestId.
      m.handWaitUntil = Date.now() + 6000;
      m.handReq = `h-${m.matchId}-${++m.handAttempt}`;
      return;
    }
    if (out.type === 'info') {
      await this.waitChange(500); // unknown outcome: retry the same requestId
      return;
    }
    const code = out.value.code;
    if (code === 'ESTOQUE_ESGOTADO') {
      // No packs left: choose a hand from owned cards instead (PRONTO), as a player would.
      m.handReq = 'sold-out';
      await this.waitChange(500);
      return;
    }
    if (code === 'HAND_ALREADY_SET' || code === 'WRONG_PHASE') {
      m.handWaitUntil = Date.now() + 6000;
      void this.client?.subscribeAsync(matchEventsTopic(m.matchId), { qos: 0 }).catch(() => undefined); // resends MAO and the update
    }
    m.handReq = `h-${m.matchId}-${++m.handAttempt}`;
    await this.waitChange(500);
  }

  private async play(m: MatchView, view: Ev): Promise<void> {
    const card = this.rng.pick(m.hand);
    const seq = view.eventSeq as number;
    const out = await this.op('move', { matchId: m.matchId, playerId: this.playerId, cardId: card.id, atSeq: seq }, async () =>
      this.classify(await this.request({ type: 'JOGAR', cardId: card.id }, 12_000), ['OK'], (x) => ({ eventSeq: x.eventSeq, matchId: x.matchId })),
    );
    m.lastPlayedSeq = seq;
    if (out.type !== 'ok') m.failedAt = Date.now();
  }

  // ---- the loop ---------------------------------------------------------------------------------

  private async randomAction(): Promise<void> {
    const r = this.rng.next();
    if (r < 0.2) await this.buyRest();
    else if (r < 0.4) {
      const requestId = `m${++this.seq}`;
      const out = await this.buyMqtt(requestId);
      if (out.type === 'info' && this.env.phase() === 'run') {
        // Unknown outcome: retry the same requestId once, on whatever peer we are on then.
        if (!this.connected) await this.reconnect();
        await this.buyMqtt(requestId);
      }
    } else if (r < 0.55) await this.propose();
    else if (r < 0.65) await this.read();
    else if (r < 0.9) await this.queue();
    else await sleep(this.rng.range(100, 400));
  }

  async run(): Promise<void> {
    try {
      while (this.env.phase() !== 'stop') {
        if (!this.connected) {
          await this.reconnect();
          continue;
        }
        const m = this.match;
        if (m && !m.ended) {
          await this.stepMatch(m);
          continue;
        }
        if (m?.ended) {
          this.match = null;
          this.locked.clear();
        }
        if (this.env.phase() === 'drain') {
          // Done once nothing can still reach us: no match, and no pairing in flight.
          if (Date.now() - this.lastQueueAt > 4000) break;
          await this.waitChange(300);
          continue;
        }
        if (this.offers.length > 0) {
          await this.respond(this.offers.shift()!);
          continue;
        }
        await this.randomAction();
        await sleep(this.rng.range(40, 250));
      }
    } finally {
      this.exited = true;
    }
  }

  /** The player's active match as the ledger tells a fresh connection (BEM_VINDO), after healing. */
  async activeMatch(peer: number): Promise<string | null> {
    await this.close();
    return this.welcomeActive(peer);
  }

  private async welcomeActive(peer: number): Promise<string | null> {
    const url = this.env.cluster.peers[peer].ep.mqttUrl;
    const client = await mqtt.connectAsync(url, { username: this.playerId, password: this.token, clientId: `${this.playerId}.chk-${randomBytes(3).toString('hex')}`, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
    try {
      const welcome = new Promise<Ev>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no BEM_VINDO')), 5000);
        client.on('message', (_t, payload) => {
          try {
            const e = JSON.parse(payload.toString()) as Ev;
            if (e.type === 'BEM_VINDO') {
              clearTimeout(t);
              resolve(e);
            }
          } catch {
            // ignore
          }
        });
      });
      await client.subscribeAsync(playerEventsTopic(this.playerId), { qos: 0 });
      const w = await welcome;
      return (w.activeMatchId as string | undefined) ?? null;
    } finally {
      await client.endAsync(true).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.connected = false;
    if (c) await c.endAsync(true).catch(() => undefined);
  }
}
