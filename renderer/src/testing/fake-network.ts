// A fake cluster for store and component tests: nodes reachable by URL that speak the player
// protocol just enough (greeting, PING, COLECAO, RANKING, PERFIL, ACL on match topics), record
// every command, and can push events or drop connections on demand.
import { CLUSTER_STATUS_TOPIC, commandsTopic, matchEventsTopic, parseTopic, playerEventsTopic } from '../../../protocol/topics.ts';
import type { Card } from '../../../protocol/cards.ts';
import type { ClusterStatus } from '../../../protocol/events.ts';
import { AuthRefused, type Connector, type TransportClient } from '../lib/transport.ts';
import type { IncomingEvent } from '../lib/protocol.ts';

export type Sent = { type: string; requestId: string; [k: string]: unknown };
type Reply = IncomingEvent | IncomingEvent[] | null | undefined;

export class FakeClient implements TransportClient {
  readonly subscriptions: string[] = [];
  private messageCbs: ((topic: string, payload: string) => void)[] = [];
  private closeCbs: ((reason: string) => void)[] = [];
  closed = false;

  constructor(
    readonly node: FakeNode,
    readonly playerId: string,
  ) {}

  async subscribe(topic: string): Promise<boolean> {
    const t = parseTopic(topic);
    const ok = t.kind === 'clusterStatus' || (t.kind === 'playerEvents' && t.playerId === this.playerId) || (t.kind === 'matchEvents' && this.node.matchesOf(this.playerId).includes(t.matchId));
    if (!ok) return false;
    this.subscriptions.push(topic);
    if (t.kind === 'clusterStatus' && this.node.status) queueMicrotask(() => this.deliver(CLUSTER_STATUS_TOPIC, this.node.status));
    if (t.kind === 'playerEvents') queueMicrotask(() => this.node.greet(this));
    return true;
  }
  async unsubscribe(topic: string): Promise<void> {
    const i = this.subscriptions.indexOf(topic);
    if (i >= 0) this.subscriptions.splice(i, 1);
  }
  publish(topic: string, payload: string): void {
    if (this.closed) return;
    if (topic !== commandsTopic(this.playerId)) throw new Error(`publish outside own commands topic: ${topic}`);
    const cmd = JSON.parse(payload) as Sent;
    this.node.sent.push(cmd);
    queueMicrotask(() => this.node.handle(this, cmd));
  }
  async end(): Promise<void> {
    this.closed = true;
    this.node.clients.delete(this);
  }
  onMessage(cb: (topic: string, payload: string) => void): void {
    this.messageCbs.push(cb);
  }
  onClose(cb: (reason: string) => void): void {
    this.closeCbs.push(cb);
  }
  deliver(topic: string, body: unknown): void {
    if (this.closed) return;
    for (const cb of this.messageCbs) cb(topic, JSON.stringify(body));
  }
  /** The node went away under this client. */
  drop(reason = 'connection closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.node.clients.delete(this);
    for (const cb of this.closeCbs) cb(reason);
  }
}

export class FakeNode {
  readonly clients = new Set<FakeClient>();
  readonly sent: Sent[] = [];
  up = true;
  refuseAuth = false;
  names = new Map<string, string>();
  collections = new Map<string, Card[]>();
  /** playerId → active match id (BEM_VINDO {activeMatchId} and the match-topic ACL). */
  activeMatch = new Map<string, string>();
  /** Extra events sent after BEM_VINDO (e.g. MAO and the latest ATUALIZACAO_JOGO on reconnect). */
  greeting: (playerId: string) => { topic: 'player' | 'match'; event: IncomingEvent }[] = () => [];
  /** Per-command answers; return undefined for the default behaviour. */
  handlers: Record<string, (playerId: string, cmd: Sent) => Reply> = {};
  status: ClusterStatus | null = null;

  constructor(
    readonly id: string,
    readonly url: string,
  ) {}

  matchesOf(playerId: string): string[] {
    const m = this.activeMatch.get(playerId);
    return m ? [m] : [];
  }

  greet(c: FakeClient): void {
    const p = c.playerId;
    c.deliver(playerEventsTopic(p), { type: 'BEM_VINDO', playerId: p, name: this.names.get(p) ?? `Jogador-${p.slice(0, 6)}`, node: this.id, activeMatchId: this.activeMatch.get(p) });
    for (const g of this.greeting(p)) this.emit(p, g.event, g.topic);
  }

  handle(c: FakeClient, cmd: Sent): void {
    const custom = this.handlers[cmd.type]?.(c.playerId, cmd);
    if (custom !== undefined) {
      for (const e of Array.isArray(custom) ? custom : custom ? [custom] : []) c.deliver(playerEventsTopic(c.playerId), e);
      return;
    }
    const p = c.playerId;
    const reply = (e: IncomingEvent) => c.deliver(playerEventsTopic(p), e);
    switch (cmd.type) {
      case 'PING':
        return reply({ type: 'PONG', requestId: cmd.requestId, t: cmd.t as number, node: this.id });
      case 'PERFIL':
        this.names.set(p, cmd.name as string);
        return reply({ type: 'PERFIL', requestId: cmd.requestId, name: cmd.name as string });
      case 'COLECAO':
        return reply({ type: 'COLECAO', requestId: cmd.requestId, cards: this.collections.get(p) ?? [] });
      case 'RANKING':
        return reply({ type: 'RANKING', requestId: cmd.requestId, entries: [] });
      default:
        return reply({ type: 'ERRO', requestId: cmd.requestId, code: 'UNAVAILABLE', message: `${cmd.type} is not served by this node` });
    }
  }

  /** Publishes an event to a player's private topic, or to its match topic. */
  emit(playerId: string, event: IncomingEvent, topic: 'player' | 'match' = 'player'): void {
    for (const c of this.clients) {
      if (c.playerId !== playerId) continue;
      const tp = topic === 'player' ? playerEventsTopic(playerId) : matchEventsTopic((event as { matchId: string }).matchId);
      if (c.subscriptions.includes(tp)) c.deliver(tp, event);
    }
  }

  /** kill -9: every connection drops and new ones are refused. */
  kill(): void {
    this.up = false;
    for (const c of [...this.clients]) c.drop('connection reset');
  }

  lastSent(type: string): Sent | undefined {
    return [...this.sent].reverse().find((s) => s.type === type);
  }
}

export class FakeNetwork {
  readonly nodes = new Map<string, FakeNode>();
  readonly attempts: string[] = [];

  add(id: string, url = `ws://${id}.test/mqtt`): FakeNode {
    const n = new FakeNode(id, url);
    this.nodes.set(url, n);
    return n;
  }

  node(id: string): FakeNode {
    const n = [...this.nodes.values()].find((x) => x.id === id);
    if (!n) throw new Error(`no fake node ${id}`);
    return n;
  }

  readonly connector: Connector = async (url, opts) => {
    this.attempts.push(url);
    const n = this.nodes.get(url);
    if (!n || !n.up) throw new Error(`cannot reach ${url}`);
    if (n.refuseAuth) throw new AuthRefused('Connection refused: Bad username or password');
    const c = new FakeClient(n, opts.username);
    n.clients.add(c);
    return c;
  };
}

export const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
