// Light match bots for the match benchmarks: one MQTT connection per player (LiteMqtt),
// queueing through ENTRAR_FILA so matchmaking pairs them ACROSS peers, choosing a hand
// (COMPRAR the first time, PRONTO with the same owned cards afterwards, so the stock
// never runs dry), then playing at a pace set by the arena and re-queueing when a match
// ends so the load holds. Per move the arena measures publish(JOGAR) → both players have
// the ATUALIZACAO_JOGO with that eventSeq.
import { randomBytes, randomUUID } from 'node:crypto';
import { LiteMqtt } from './lite-mqtt.ts';
import { commandsTopic, matchEventsTopic, playerEventsTopic } from '../protocol/topics.ts';

const REQUEUE_DELAY_MS = 300;

export type Ev = { type: string; requestId?: string; [k: string]: unknown };

export interface NodeAddr {
  id: string;
  mqttPort: number;
}

export class Bot {
  readonly id = randomUUID();
  readonly token = randomBytes(32).toString('base64url');
  client = new LiteMqtt();
  /** Cards this bot owns (its first pack), offered with PRONTO in later matches. */
  cards: string[] | null = null;
  hand: string[] = [];
  match: MatchRec | null = null;
  /** The match id of the last PARTIDA_ENCONTRADA (null when free). */
  matchId: string | null = null;
  seenSeq = 0;
  queuedAt = 0;
  private n = 0;
  private readonly waiting = new Map<string, (e: Ev) => void>();
  onEvent: (bot: Bot, e: Ev, match: boolean) => void = () => undefined;

  constructor(public node: number) {}

  async connect(addr: NodeAddr): Promise<void> {
    this.client = new LiteMqtt();
    this.client.onMessage = (topic, payload) => {
      let e: Ev;
      try {
        e = JSON.parse(payload.toString('utf8')) as Ev;
      } catch {
        return;
      }
      if (e.requestId) {
        const w = this.waiting.get(e.requestId);
        if (w) {
          this.waiting.delete(e.requestId);
          w(e);
        }
      }
      this.onEvent(this, e, topic.charCodeAt(0) === 112 /* 'p'artidas */);
    };
    await this.client.connect({ host: '127.0.0.1', port: addr.mqttPort, clientId: `${this.id}.b-${randomBytes(2).toString('hex')}`, username: this.id, password: this.token, keepaliveS: 0 });
    const qos = await this.client.subscribe(playerEventsTopic(this.id));
    if (qos === 128) throw new Error('own events topic refused');
  }

  /** Sends a command; resolves with its reply (result or ERRO), or ERRO TIMEOUT. */
  request(cmd: Record<string, unknown>, timeoutMs = 15_000): Promise<Ev> {
    const requestId = `q${++this.n}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        resolve({ type: 'ERRO', code: 'TIMEOUT', message: `no reply in ${timeoutMs} ms`, requestId });
      }, timeoutMs);
      this.waiting.set(requestId, (e) => {
        clearTimeout(timer);
        resolve(e);
      });
      this.client.publish(commandsTopic(this.id), JSON.stringify({ ...cmd, requestId }));
    });
  }

  /** Fire-and-forget command with a known requestId (the reply comes to onEvent/waiting). */
  send(cmd: Record<string, unknown>, onReply: (e: Ev) => void): void {
    const requestId = `q${++this.n}`;
    this.waiting.set(requestId, onReply);
    this.client.publish(commandsTopic(this.id), JSON.stringify({ ...cmd, requestId }));
  }
}

export interface MatchRec {
  id: string;
  bots: Bot[];
  /** Latest ATUALIZACAO_JOGO seen by any of its bots. */
  seq: number;
  phase: string;
  turn: string | null;
  host: string;
  shadow: string;
  pending: { seq: number; t0: number; seen: number } | null;
  nextAt: number;
  timer: NodeJS.Timeout | null;
  ended: boolean;
  handsAsked: boolean;
  moves: number;
  createdAt: number;
}

/**
 * How pairs are made cross-peer.
 * - `move`: every free bot queues at once on the node it is connected to; the node pairs its
 *   own waiting players first (docs/design.md §8), so most pairs are local: then one of the two
 *   reconnects to the match's shadow node, as a player whose app switches peers would. In
 *   play every match has one player on its host and one on its shadow (commands of the
 *   latter go through /game/event; the shadow publishes to it after replication).
 * - `strict`: at most ONE of our bots waits in each node's queue at a time, so nodes never
 *   hold two local players and every pair is made across peers by solicitar_oponente. Exact,
 *   but matchmaking then forms only a few matches per second (searches that find nobody
 *   retry after 250–500 ms), too few to replace ended matches at 1,000 moves/s.
 */
export type Pairing = 'move' | 'strict';

export interface ArenaOptions {
  nodes: NodeAddr[];
  paceMs: number;
  saturate: boolean;
  pairing: Pairing;
  log: (msg: string, extra?: Record<string, unknown>) => void;
}

/** Owns the bots, the queueing discipline and the move clock. */
export class Arena {
  readonly bots: Bot[] = [];
  readonly matches = new Map<string, MatchRec>();
  private readonly idle: Bot[][];
  private readonly slot: (Bot | null)[];
  private readonly nodeIndex = new Map<string, number>();
  /** Moves only while true (set up all matches first, then start the clock). */
  moving = false;
  /** Re-queue bots whose match ended (false while winding down). */
  requeue = true;
  /** Measurement window (performance.now()); latencies of moves completed inside it. */
  windowFrom = Infinity;
  windowTo = Infinity;
  readonly latencies: number[] = [];
  movesInWindow = 0;
  movesTotal = 0;
  errors = new Map<string, number>();
  matchesCreated = 0;
  matchesEnded = 0;
  /** When the first match ended after the clock started (saturation: the end of the burst). */
  firstEndAt = Infinity;
  /** Every move completed since the clock started: [completion time, latency] pairs. */
  readonly moveLog: number[] = [];
  /** Matches whose two players were on the same node and one moved to the shadow. */
  moved = 0;
  /** ENTRAR_FILA → PARTIDA_ENCONTRADA per bot. */
  readonly queueMs: number[] = [];

  constructor(readonly o: ArenaOptions) {
    this.idle = o.nodes.map(() => []);
    this.slot = o.nodes.map(() => null);
    o.nodes.forEach((n, i) => this.nodeIndex.set(n.id, i));
  }

  err(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Creates and connects `n` bots spread round-robin over the nodes (registration included). */
  async addBots(n: number, batch = 100): Promise<void> {
    const fresh: Bot[] = [];
    for (let i = 0; i < n; i++) {
      const b = new Bot((this.bots.length + i) % this.o.nodes.length);
      b.onEvent = (bot, e, m) => this.onEvent(bot, e, m);
      fresh.push(b);
    }
    for (let i = 0; i < fresh.length; i += batch) {
      await Promise.all(fresh.slice(i, i + batch).map((b) => this.connect(b, b.node)));
      if ((i / batch) % 10 === 9) this.o.log('bots connected', { n: i + batch });
    }
    this.bots.push(...fresh);
  }

  private async connect(b: Bot, node: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        b.node = node;
        await b.connect(this.o.nodes[node]);
        return;
      } catch (err) {
        if (attempt >= 10) throw err;
        await new Promise((r) => setTimeout(r, 200 + attempt * 200));
      }
    }
  }

  /** Queues every free bot. */
  enqueueAll(bots: Bot[] = this.bots): void {
    for (const b of bots) this.queue(b);
  }

  private queue(b: Bot): void {
    if (!this.requeue) return;
    if (this.o.pairing === 'strict') {
      this.idle[b.node].push(b);
      this.fill(b.node);
      return;
    }
    b.queuedAt = performance.now();
    this.join(b, () => b.matchId === null);
  }

  /** ENTRAR_FILA, retried while `again()` (PLAYER_IN_MATCH right after a match ended: this
   *  node's replica has not applied MATCH_FINISHED yet). */
  private join(b: Bot, again: () => boolean): void {
    b.send({ type: 'ENTRAR_FILA' }, (r) => {
      if (r.type === 'AGUARDANDO_OPONENTE') return;
      this.err(`ENTRAR_FILA:${String(r.code)}`);
      if (again() && this.requeue) setTimeout(() => this.join(b, again), 250);
    });
  }

  private fill(node: number): void {
    if (this.slot[node] || !this.requeue) return;
    const b = this.idle[node].shift();
    if (!b) return;
    this.slot[node] = b;
    b.queuedAt = performance.now();
    this.join(b, () => b.matchId === null && this.slot[node] === b);
  }

  private freeSlot(b: Bot): void {
    if (this.slot[b.node] === b) {
      this.slot[b.node] = null;
      this.fill(b.node);
    }
  }

  private onEvent(bot: Bot, e: Ev, onMatchTopic: boolean): void {
    const now = performance.now();
    switch (e.type) {
      case 'PARTIDA_ENCONTRADA': {
        const id = e.matchId as string;
        if (bot.matchId === id) return;
        bot.matchId = id;
        if (bot.queuedAt) this.queueMs.push(now - bot.queuedAt);
        bot.queuedAt = 0;
        bot.seenSeq = 0;
        bot.hand = [];
        this.freeSlot(bot);
        let m = this.matches.get(id);
        if (!m) {
          m = { id, bots: [], seq: 0, phase: '', turn: null, host: e.host as string, shadow: e.shadow as string, pending: null, nextAt: 0, timer: null, ended: false, handsAsked: false, moves: 0, createdAt: now };
          this.matches.set(id, m);
          this.matchesCreated++;
        }
        m.bots.push(bot);
        bot.match = m;
        if (m.bots.length === 2) void this.settle(m);
        return;
      }
      case 'MAO':
        if (bot.match && e.matchId === bot.match.id) {
          bot.hand = (e.hand as { id: string }[]).map((c) => c.id);
          this.maybeMove(bot.match);
        }
        return;
      case 'ATUALIZACAO_JOGO': {
        const m = bot.match;
        if (!onMatchTopic || !m || e.matchId !== m.id) return;
        const seq = e.eventSeq as number;
        if (seq > bot.seenSeq) bot.seenSeq = seq;
        if (seq > m.seq) {
          m.seq = seq;
          m.phase = e.phase as string;
          m.turn = (e.turn as string | null) ?? null;
          m.host = e.host as string;
        }
        const p = m.pending;
        if (p && seq >= p.seq) {
          const bit = m.bots[0] === bot ? 1 : 2;
          if ((p.seen & bit) === 0) {
            p.seen |= bit;
            if (p.seen === 3) this.moveSeen(m, now - p.t0, now);
          }
        }
        this.maybeMove(m);
        return;
      }
      case 'FIM_DE_JOGO': {
        const m = bot.match;
        if (!onMatchTopic || !m || e.matchId !== m.id) return;
        this.leaveMatch(bot, m);
        if (!m.ended && m.bots.every((b) => b.match !== m)) {
          // Both bots have the end (each saw its ATUALIZACAO_JOGO first, on the same connection).
          m.ended = true;
          this.matchesEnded++;
          if (this.moving && this.firstEndAt === Infinity) this.firstEndAt = performance.now();
          if (m.timer) clearTimeout(m.timer);
          if (m.pending && m.pending.seen !== 3) this.err('MOVE_UNSEEN_AT_END');
          m.pending = null;
        }
        return;
      }
      default:
        return;
    }
  }

  /** Both bots know the match: make it cross-peer if needed, subscribe, choose hands. */
  private async settle(m: MatchRec): Promise<void> {
    const host = this.nodeIndex.get(m.host);
    const shadow = this.nodeIndex.get(m.shadow);
    const [a, b] = m.bots;
    if (host !== undefined && shadow !== undefined && a.node === b.node) {
      // A local pair: the second player goes to the shadow's node.
      this.moved++;
      b.client.end();
      await this.connect(b, shadow).catch(() => this.err('RECONNECT'));
    }
    await Promise.all(
      m.bots.map((x) =>
        x.client
          .subscribe(matchEventsTopic(m.id))
          .then((q) => (q === 128 ? this.err('SUBSCRIBE_REFUSED') : undefined))
          .catch(() => this.err('SUBSCRIBE')),
      ),
    );
    for (const x of m.bots) void this.chooseHand(x, m);
  }

  private leaveMatch(bot: Bot, m: MatchRec): void {
    if (bot.match !== m) return;
    bot.match = null;
    bot.matchId = null;
    bot.hand = [];
    if (m.bots.every((b) => b.match !== m)) this.matches.delete(m.id);
    else m.phase = 'FINALIZADO';
    // Like a player pressing "play again": the host records the result in the ledger
    // meanwhile, so the new ENTRAR_FILA is not refused with PLAYER_IN_MATCH.
    setTimeout(() => this.queue(bot), REQUEUE_DELAY_MS);
  }

  private async chooseHand(b: Bot, m: MatchRec): Promise<void> {
    for (let attempt = 0; attempt < 30 && b.match === m && !m.ended; attempt++) {
      const r = b.cards ? await b.request({ type: 'PRONTO', cardIds: b.cards }) : await b.request({ type: 'COMPRAR' });
      if (r.type === 'PACOTE_RESULTADO') {
        b.cards = (r.cards as { id: string }[]).map((c) => c.id);
        return;
      }
      if (r.type === 'OK') return;
      this.err(`${b.cards ? 'PRONTO' : 'COMPRAR'}:${String(r.code)}`);
      if (r.code === 'HAND_ALREADY_SET') return;
      if (r.code === 'CARD_NOT_OWNED' || r.code === 'CARD_IN_MATCH') b.cards = null;
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  /** Starts the move clock: each match's first move at a random phase within one pace. */
  start(): void {
    this.moving = true;
    for (const m of this.matches.values()) {
      m.nextAt = performance.now() + (this.o.saturate ? 0 : Math.random() * this.o.paceMs);
      this.maybeMove(m);
    }
  }

  private maybeMove(m: MatchRec): void {
    if (!this.moving || m.ended || m.pending || m.phase !== 'JOGANDO' || m.bots.length < 2 || m.timer) return;
    if (m.bots.some((b) => b.seenSeq < m.seq)) return; // both must have the latest view
    const now = performance.now();
    if (m.nextAt === 0) m.nextAt = now + (this.o.saturate ? 0 : Math.random() * this.o.paceMs);
    if (!this.o.saturate && now < m.nextAt) {
      m.timer = setTimeout(() => {
        m.timer = null;
        this.maybeMove(m);
      }, m.nextAt - now);
      return;
    }
    const mover = m.bots.find((b) => b.id === m.turn);
    if (!mover || mover.hand.length === 0) return;
    const card = mover.hand.shift()!;
    const t0 = performance.now();
    m.pending = { seq: m.seq + 1, t0, seen: 0 };
    m.nextAt = t0 + this.o.paceMs;
    const pending = m.pending;
    mover.send({ type: 'JOGAR', cardId: card }, (r) => {
      if (r.type === 'OK') return;
      this.err(`JOGAR:${String(r.code)}`);
      if (m.pending === pending) {
        m.pending = null;
        setTimeout(() => this.maybeMove(m), 100);
      }
    });
  }

  private moveSeen(m: MatchRec, ms: number, now: number): void {
    m.pending = null;
    m.moves++;
    this.movesTotal++;
    if (this.moving) this.moveLog.push(now, ms);
    if (now >= this.windowFrom && now < this.windowTo) {
      this.latencies.push(ms);
      this.movesInWindow++;
    }
  }

  /** Unsticks matches whose move was never seen by both (counted as an error). */
  sweep(maxAgeMs = 10_000): void {
    const now = performance.now();
    for (const m of this.matches.values()) {
      if (m.pending && now - m.pending.t0 > maxAgeMs) {
        this.err('MOVE_NOT_SEEN_10S');
        m.pending = null;
        this.maybeMove(m);
      }
    }
  }

  /** Matches in JOGANDO right now. */
  playing(): number {
    let n = 0;
    for (const m of this.matches.values()) if (m.phase === 'JOGANDO' && !m.ended) n++;
    return n;
  }

  close(): void {
    this.moving = false;
    this.requeue = false;
    for (const m of this.matches.values()) if (m.timer) clearTimeout(m.timer);
    for (const b of this.bots) b.client.destroy();
  }
}
