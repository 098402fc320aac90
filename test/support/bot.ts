// A bot that plays whole matches over real MQTT like a client would: queue, buy a hand,
// play a card whenever it is its turn, and reconnect to another peer when its own dies.
import type { TestPlayer } from './player.ts';
import { type AnyEvent } from './player.ts';

interface Card { id: string; value: number; suit: string }

export class MatchBot {
  matchId: string | null = null;
  hand: Card[] = [];
  end: AnyEvent | null = null;
  /** eventSeq of every move of ours the node acknowledged (OK to JOGAR). */
  readonly acked: number[] = [];
  readonly updates: AnyEvent[] = [];
  readonly errors: AnyEvent[] = [];
  private playing = false;
  private lastPlayedSeq = -1;
  private urlIndex = 0;
  stopped = false;
  /** Only while true does the bot make moves (tests pause it to kill a peer mid-match). */
  autoplay = true;

  constructor(
    readonly player: TestPlayer,
    private readonly urls: string[],
    readonly paceMs = 0,
  ) {}

  get id(): string {
    return this.player.playerId;
  }

  /** Connects to urls[start] and keeps reconnecting to the next one when the connection drops. */
  async connect(start = 0): Promise<void> {
    this.urlIndex = start;
    await this.player.connect(this.urls[start]);
    this.wire();
  }

  private wire(): void {
    const client = this.player.client;
    client.on('message', (topic, payload) => {
      let e: AnyEvent;
      try {
        e = JSON.parse(payload.toString()) as AnyEvent;
      } catch {
        return;
      }
      this.onEvent(e);
    });
    client.on('close', () => {
      if (!this.stopped) void this.reconnect();
    });
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; attempt < 60 && !this.stopped; attempt++) {
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      try {
        const welcome = await this.player.connect(this.urls[this.urlIndex]);
        this.wire();
        const active = welcome?.activeMatchId as string | undefined;
        if (active) {
          this.matchId = active;
          await this.player.subscribeMatch(active);
        }
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private onEvent(e: AnyEvent): void {
    switch (e.type) {
      case 'PARTIDA_ENCONTRADA':
        if (!this.matchId) {
          this.matchId = e.matchId as string;
          void this.player.subscribeMatch(this.matchId);
        }
        break;
      case 'MAO':
        this.hand = e.hand as Card[];
        this.maybePlay(null);
        break;
      case 'ATUALIZACAO_JOGO':
        this.updates.push(e);
        this.maybePlay(e);
        break;
      case 'FIM_DE_JOGO':
        this.end = e;
        break;
      case 'ERRO':
        this.errors.push(e);
        break;
    }
  }

  private latest(): AnyEvent | null {
    let best: AnyEvent | null = null;
    for (const u of this.updates) if (!best || (u.eventSeq as number) >= (best.eventSeq as number)) best = u;
    return best;
  }

  private maybePlay(_trigger: AnyEvent | null): void {
    const v = this.latest();
    if (!this.autoplay || !v || this.playing || this.end) return;
    if (v.phase !== 'JOGANDO' || v.turn !== this.id) return;
    const seq = v.eventSeq as number;
    if (seq <= this.lastPlayedSeq || this.hand.length === 0) return;
    const card = this.hand[0];
    this.playing = true;
    this.lastPlayedSeq = seq;
    const go = async () => {
      if (this.paceMs) await new Promise((r) => setTimeout(r, this.paceMs));
      try {
        const r = await this.player.request({ type: 'JOGAR', cardId: card.id }, 10_000);
        if (r.type === 'OK') this.acked.push(r.eventSeq as number);
        else this.lastPlayedSeq = -1; // refused (e.g. a stale view): try again on the next update
      } catch {
        this.lastPlayedSeq = -1;
      } finally {
        this.playing = false;
        this.maybePlay(null);
      }
    };
    void go();
  }

  /** Resumes autoplay (after a pause) and plays if it is our turn. */
  resume(): void {
    this.autoplay = true;
    this.lastPlayedSeq = -1;
    this.maybePlay(null);
  }

  async queue(): Promise<void> {
    const r = await this.player.request({ type: 'ENTRAR_FILA' }, 10_000);
    if (r.type !== 'AGUARDANDO_OPONENTE') throw new Error(`ENTRAR_FILA: ${JSON.stringify(r)}`);
  }

  async waitMatch(timeoutMs = 20_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (!this.matchId && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    if (!this.matchId) throw new Error(`bot ${this.id.slice(0, 8)} was not matched`);
    return this.matchId;
  }

  async buyHand(): Promise<AnyEvent> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const r = await this.player.request({ type: 'COMPRAR' }, 15_000).catch((e: Error) => ({ type: 'ERRO', code: 'TIMEOUT', message: e.message }) as AnyEvent);
      if (r.type === 'PACOTE_RESULTADO') return r;
      await new Promise((res) => setTimeout(res, 300));
    }
    throw new Error('could not buy a hand');
  }

  async waitEnd(timeoutMs = 60_000): Promise<AnyEvent> {
    const end = Date.now() + timeoutMs;
    while (!this.end && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    if (!this.end) throw new Error(`bot ${this.id.slice(0, 8)}: match ${this.matchId} did not finish; last view ${JSON.stringify(this.latest())}`);
    return this.end;
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.player.close();
  }
}
