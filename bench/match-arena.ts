// Light match bots for the match benchmarks: one MQTT connection per player (LiteMqtt),
// queueing through ENTRAR_FILA so matchmaking pairs them ACROSS peers, choosing a hand
// (COMPRAR the first time, PRONTO with the same owned cards afterwards, so the stock
// never runs dry), then playing at a pace set by the arena and re-queueing when a match
// ends so the load holds. Per move the arena measures publish(JOGAR) → both players have
// the ATUALIZACAO_JOGO with that eventSeq.
import { Bot, type NodeAddr } from './match-bot.ts';
import type { EventScan } from './event-scan.ts';
import { matchEventsTopic } from '../protocol/topics.ts';

export { Bot, type NodeAddr } from './match-bot.ts';

const REQUEUE_DELAY_MS = 300;

export interface MatchRec {
  id: string;
  bots: Bot[];
  /** Latest ATUALIZACAO_JOGO seen by any of its bots. */
  seq: number;
  phase: string;
  turn: string | null;
  host: string;
  shadow: string;
  /** The move in flight: the eventSeq it makes (0: none), when it was sent, which bots saw it (bits 1, 2). */
  pendingSeq: number;
  pendingT0: number;
  pendingSeen: number;
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

  /** Bots waiting out REQUEUE_DELAY_MS, oldest first (one timer for all). */
  private readonly requeueAt: { bot: Bot; at: number }[] = [];
  private requeueTimer: NodeJS.Timeout | null = null;
  /** Answers requests that went unanswered (ERRO TIMEOUT), for every bot at once. */
  private readonly expirer: NodeJS.Timeout;

  constructor(readonly o: ArenaOptions) {
    this.idle = o.nodes.map(() => []);
    this.slot = o.nodes.map(() => null);
    o.nodes.forEach((n, i) => this.nodeIndex.set(n.id, i));
    this.expirer = setInterval(() => {
      const now = performance.now();
      for (const b of this.bots) b.expire(now);
    }, 1000);
    this.expirer.unref();
  }

  err(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Creates and connects `n` bots spread round-robin over the nodes (registration included). */
  async addBots(n: number, batch = 100): Promise<void> {
    const fresh: Bot[] = [];
    for (let i = 0; i < n; i++) {
      const b = new Bot((this.bots.length + i) % this.o.nodes.length);
      b.onEvent = (bot, f, m) => this.onEvent(bot, f, m);
      b.onMoveReply = (bot, f) => this.onMoveReply(bot, f);
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
      this.err(`ENTRAR_FILA:${r.code}`);
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

  private onEvent(bot: Bot, f: EventScan, onMatchTopic: boolean): void {
    switch (f.type) {
      case 'ATUALIZACAO_JOGO': {
        const m = bot.match;
        if (!onMatchTopic || !m || f.matchId !== m.id) return;
        const seq = f.eventSeq;
        if (seq > bot.seenSeq) bot.seenSeq = seq;
        if (seq > m.seq) {
          m.seq = seq;
          m.phase = f.phase;
          m.turn = f.turn;
        }
        if (m.pendingSeq !== 0 && seq >= m.pendingSeq) {
          const bit = m.bots[0] === bot ? 1 : 2;
          if ((m.pendingSeen & bit) === 0) {
            m.pendingSeen |= bit;
            if (m.pendingSeen === 3) this.moveSeen(m, performance.now());
          }
        }
        this.maybeMove(m);
        return;
      }
      case 'MAO':
        if (bot.match && f.matchId === bot.match.id) {
          bot.hand = f.ids;
          this.maybeMove(bot.match);
        }
        return;
      case 'PARTIDA_ENCONTRADA': {
        const now = performance.now();
        const id = f.matchId;
        if (bot.matchId === id) return;
        bot.matchId = id;
        if (bot.queuedAt) this.queueMs.push(now - bot.queuedAt);
        bot.queuedAt = 0;
        bot.seenSeq = 0;
        bot.hand = [];
        this.freeSlot(bot);
        let m = this.matches.get(id);
        if (!m) {
          m = { id, bots: [], seq: 0, phase: '', turn: null, host: f.host, shadow: f.shadow, pendingSeq: 0, pendingT0: 0, pendingSeen: 0, nextAt: 0, timer: null, ended: false, handsAsked: false, moves: 0, createdAt: now };
          this.matches.set(id, m);
          this.matchesCreated++;
        }
        m.bots.push(bot);
        bot.match = m;
        if (m.bots.length === 2) void this.settle(m);
        return;
      }
      case 'FIM_DE_JOGO': {
        const m = bot.match;
        if (!onMatchTopic || !m || f.matchId !== m.id) return;
        this.leaveMatch(bot, m);
        if (!m.ended && m.bots.every((b) => b.match !== m)) {
          // Both bots have the end (each saw its ATUALIZACAO_JOGO first, on the same connection).
          m.ended = true;
          this.matchesEnded++;
          if (this.moving && this.firstEndAt === Infinity) this.firstEndAt = performance.now();
          if (m.timer) clearTimeout(m.timer);
          if (m.pendingSeq !== 0 && m.pendingSeen !== 3) this.err('MOVE_UNSEEN_AT_END');
          m.pendingSeq = 0;
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
    this.requeueAt.push({ bot, at: performance.now() + REQUEUE_DELAY_MS });
    if (!this.requeueTimer) this.requeueTimer = setTimeout(() => this.requeueDue(), REQUEUE_DELAY_MS);
  }

  private requeueDue(): void {
    this.requeueTimer = null;
    const now = performance.now();
    let i = 0;
    while (i < this.requeueAt.length && this.requeueAt[i].at <= now) this.queue(this.requeueAt[i++].bot);
    this.requeueAt.splice(0, i);
    if (this.requeueAt.length > 0) this.requeueTimer = setTimeout(() => this.requeueDue(), Math.max(1, this.requeueAt[0].at - now));
  }

  private async chooseHand(b: Bot, m: MatchRec): Promise<void> {
    for (let attempt = 0; attempt < 30 && b.match === m && !m.ended; attempt++) {
      const r = b.cards ? await b.request({ type: 'PRONTO', cardIds: b.cards }) : await b.request({ type: 'COMPRAR' });
      if (r.type === 'PACOTE_RESULTADO') {
        b.cards = r.ids;
        return;
      }
      if (r.type === 'OK') return;
      this.err(`${b.cards ? 'PRONTO' : 'COMPRAR'}:${r.code}`);
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
    if (!this.moving || m.ended || m.pendingSeq !== 0 || m.phase !== 'JOGANDO' || m.bots.length < 2 || m.timer) return;
    const [a, b] = m.bots;
    if (a.seenSeq < m.seq || b.seenSeq < m.seq) return; // both must have the latest view
    const now = performance.now();
    if (m.nextAt === 0) m.nextAt = now + (this.o.saturate ? 0 : Math.random() * this.o.paceMs);
    if (!this.o.saturate && now < m.nextAt) {
      m.timer = setTimeout(() => {
        m.timer = null;
        this.maybeMove(m);
      }, m.nextAt - now);
      return;
    }
    const mover = a.id === m.turn ? a : b.id === m.turn ? b : null;
    if (!mover || mover.hand.length === 0) return;
    const card = mover.hand.shift()!;
    m.pendingSeq = m.seq + 1;
    m.pendingT0 = now;
    m.pendingSeen = 0;
    m.nextAt = now + this.o.paceMs;
    mover.play(card, m.pendingSeq);
  }

  /** The reply to a bot's JOGAR: OK (the update comes on the match topic) or a refusal. */
  private onMoveReply(bot: Bot, f: EventScan): void {
    if (f.type === 'OK') return;
    this.err(`JOGAR:${f.code}`);
    const m = bot.match;
    if (m && m.pendingSeq !== 0 && m.pendingSeq === bot.moveSeq) {
      m.pendingSeq = 0;
      setTimeout(() => this.maybeMove(m), 100);
    }
  }

  private moveSeen(m: MatchRec, now: number): void {
    const ms = now - m.pendingT0;
    m.pendingSeq = 0;
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
      if (m.pendingSeq !== 0 && now - m.pendingT0 > maxAgeMs) {
        this.err('MOVE_NOT_SEEN_10S');
        m.pendingSeq = 0;
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
    clearInterval(this.expirer);
    if (this.requeueTimer) clearTimeout(this.requeueTimer);
    for (const m of this.matches.values()) if (m.timer) clearTimeout(m.timer);
    for (const b of this.bots) b.client.destroy();
  }
}
