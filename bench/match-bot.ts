// One bench player: its own MQTT connection (LiteMqtt) to one node, its commands topic encoded
// once, and replies matched to requests by number. Each event is read by EventScan for only the
// fields the bot acts on; a move (JOGAR) costs one string and one packet, no closure or timer.
import { randomBytes, randomUUID } from 'node:crypto';
import { EventScan } from './event-scan.ts';
import { LiteMqtt, encodeTopic, type PublishHandler } from './lite-mqtt.ts';
import type { MatchRec } from './match-arena.ts';
import { commandsTopic, playerEventsTopic } from '../protocol/topics.ts';

export interface NodeAddr {
  id: string;
  mqttPort: number;
}

/** A reply kept past its event (EventScan is reused for the next one). */
export interface Reply {
  type: string;
  code: string;
  ids: string[];
}

/** Read synchronously by the handlers, then overwritten by the next event. */
const SCAN = new EventScan();

/** Events received by all bots, by type (what a move and a match turnover cost in messages). */
export const received = new Map<string, number>();

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
  /** Request number of the JOGAR in flight (0: none) and the eventSeq it is meant to make. */
  moveReq = 0;
  moveSeq = 0;
  private n = 0;
  private readonly commands = encodeTopic(commandsTopic(this.id));
  private readonly waiting = new Map<number, { at: number; fn: (f: EventScan) => void }>();
  /** Every event (after its reply handler, if any); `f` is only valid during the call. */
  onEvent: (bot: Bot, f: EventScan, onMatchTopic: boolean) => void = () => undefined;
  /** The reply to the JOGAR in flight. */
  onMoveReply: (bot: Bot, f: EventScan) => void = () => undefined;

  constructor(public node: number) {}

  private readonly onPublish: PublishHandler = (buf, ts, _te, ps, pe) => {
    const f = SCAN;
    if (!f.read(buf, ps, pe)) return;
    received.set(f.type, (received.get(f.type) ?? 0) + 1);
    const r = f.requestNo;
    if (r !== 0) {
      if (r === this.moveReq) {
        this.moveReq = 0;
        this.onMoveReply(this, f);
      } else {
        const w = this.waiting.get(r);
        if (w) {
          this.waiting.delete(r);
          w.fn(f);
        }
      }
    }
    this.onEvent(this, f, buf[ts] === 0x70 /* 'p'artidas/… */);
  };

  async connect(addr: NodeAddr): Promise<void> {
    this.client = new LiteMqtt();
    this.client.onPublish = this.onPublish;
    await this.client.connect({ host: '127.0.0.1', port: addr.mqttPort, clientId: `${this.id}.b-${randomBytes(2).toString('hex')}`, username: this.id, password: this.token, keepaliveS: 0 });
    const qos = await this.client.subscribe(playerEventsTopic(this.id));
    if (qos === 128) throw new Error('own events topic refused');
  }

  /** Sends a command; resolves with its reply (result or ERRO), or ERRO TIMEOUT (see expire). */
  request(cmd: Record<string, unknown>, timeoutMs = 15_000): Promise<Reply> {
    return new Promise((resolve) => {
      const n = this.sendRaw(cmd, (f) => resolve({ type: f.type, code: f.code, ids: f.ids }));
      this.waiting.get(n)!.at = performance.now() + timeoutMs;
    });
  }

  /** A command whose reply goes to `onReply` (synchronously: copy what must outlive it). */
  send(cmd: Record<string, unknown>, onReply: (f: EventScan) => void): void {
    this.sendRaw(cmd, onReply);
  }

  /** JOGAR `cardId`; the reply goes to onMoveReply. */
  play(cardId: string, seq: number): void {
    const n = ++this.n;
    this.moveReq = n;
    this.moveSeq = seq;
    this.client.publishTo(this.commands, `{"type":"JOGAR","cardId":${JSON.stringify(cardId)},"requestId":"q${n}"}`);
  }

  /** Answers requests unanswered by `now` with ERRO TIMEOUT (called from one shared sweep). */
  expire(now: number): void {
    for (const [n, w] of this.waiting) {
      if (w.at > now) continue;
      this.waiting.delete(n);
      const f = new EventScan();
      f.type = 'ERRO';
      f.code = 'TIMEOUT';
      w.fn(f);
    }
  }

  private sendRaw(cmd: Record<string, unknown>, fn: (f: EventScan) => void): number {
    const n = ++this.n;
    this.waiting.set(n, { at: Infinity, fn });
    this.client.publishTo(this.commands, JSON.stringify({ ...cmd, requestId: `q${n}` }));
    return n;
  }
}
