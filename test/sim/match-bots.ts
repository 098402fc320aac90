// The simulator's players and the clients that drive the ledger for them: register the
// players, create the planned matches (host and shadow drawn by the seed), buy each hand
// inside its match, then play the lowest card whenever the view says it is their turn.
// A bot whose node dies reconnects to another live one. Everything retries, as clients do.
import type { Answer, Publish } from '../../server/match/core/index.ts';
import type { LedgerCommand, LedgerState } from '../../server/ledger/machine/index.ts';
import type { Card } from '../../protocol/cards.ts';
import type { Rng } from './rng.ts';

export interface BotHooks {
  connect(node: string, playerId: string): void;
  command(node: string, playerId: string, requestId: string, cardId: string): number;
  propose(node: string, cmd: LedgerCommand): void;
  ledger(): LedgerState | null;
  alive(node: string): boolean;
}

interface Bot {
  id: string;
  node: string;
  matchId: string;
  connectedTo: string | null;
  view: { eventSeq: number; phase: string; turn: string | null } | null;
  hand: Card[];
  handSeq: number;
  token: number | null;
  requestId: string;
  moves: number;
}

interface Planned {
  matchId: string;
  players: [string, string];
  host: string;
  shadow: string;
}

export class Bots {
  private readonly bots = new Map<string, Bot>();
  private readonly planned: Planned[] = [];
  readonly stats = { moves: 0, refused: 0, reconnects: 0 };

  constructor(
    private readonly rng: Rng,
    private readonly nodes: string[],
    matches: number,
    private readonly hooks: BotHooks,
  ) {
    for (let i = 0; i < matches; i++) {
      const host = nodes[rng.int(nodes.length)];
      const others = nodes.filter((n) => n !== host);
      const shadow = others[rng.int(others.length)];
      const players: [string, string] = [`p${i}a`, `p${i}b`];
      this.planned.push({ matchId: `match-${i}`, players, host, shadow });
      // One player on the host, the other on the shadow or (sometimes) a third node.
      const third = nodes.find((n) => n !== host && n !== shadow);
      const homes = [host, third && rng.chance(0.3) ? third : shadow];
      players.forEach((id, k) => this.bots.set(id, { id, node: homes[k], matchId: `match-${i}`, connectedTo: null, view: null, hand: [], handSeq: 0, token: null, requestId: `${id}:0`, moves: 0 }));
    }
  }

  private aliveNode(prefer: string): string | null {
    if (this.hooks.alive(prefer)) return prefer;
    const up = this.nodes.filter((n) => this.hooks.alive(n));
    return up.length > 0 ? up[this.rng.int(up.length)] : null;
  }

  nodeDown(node: string): void {
    for (const b of this.bots.values()) {
      if (b.connectedTo !== node) continue;
      b.connectedTo = null;
      b.token = null;
    }
  }

  /** Once per match tick of `node`: the clients' retries, then the bots on that node. */
  tick(node: string): void {
    const l = this.hooks.ledger();
    if (!l) return;
    if (node === this.nodes.find((n) => this.hooks.alive(n))) this.direct(l);
    for (const b of this.bots.values()) {
      const active = l.players.get(b.id)?.activeMatchId === b.matchId;
      if (b.connectedTo === null && active) {
        const to = this.aliveNode(b.node);
        if (to) {
          if (b.node !== to) this.stats.reconnects++;
          b.node = to;
          b.connectedTo = to;
          this.hooks.connect(to, b.id);
        }
      }
      if (b.connectedTo === node) this.play(b);
    }
  }

  /** Registration, match creation and hands: proposed again until the ledger has them. */
  private direct(l: LedgerState): void {
    const from = this.nodes.filter((n) => this.hooks.alive(n));
    const any = () => from[this.rng.int(from.length)];
    for (const pm of this.planned) {
      for (const p of pm.players) if (!l.players.has(p)) this.hooks.propose(any(), { type: 'REGISTER_PLAYER', playerId: p, name: p, tokenHash: 'h'.repeat(64) });
      const rec = l.matches.get(pm.matchId);
      if (!rec) {
        if (pm.players.every((p) => l.players.has(p) && l.players.get(p)!.activeMatchId === null)) {
          this.hooks.propose(any(), { type: 'MATCH_CREATED', matchId: pm.matchId, players: pm.players, host: pm.host, shadow: pm.shadow, seed: `seed-${pm.matchId}` });
        }
        continue;
      }
      if (rec.status !== 'active') continue;
      rec.players.forEach((p, seat) => {
        if (rec.hands[seat] === null) this.hooks.propose(any(), { type: 'BUY_PACK', requestId: `hand:${pm.matchId}:${p}`, playerId: p, matchId: pm.matchId });
      });
    }
  }

  private play(b: Bot): void {
    const v = b.view;
    if (b.token !== null || !v || v.phase !== 'JOGANDO' || v.turn !== b.id || b.hand.length === 0 || b.handSeq > v.eventSeq + 1) return;
    const card = [...b.hand].sort((x, y) => x.value - y.value || x.id.localeCompare(y.id))[0];
    b.token = this.hooks.command(b.node, b.id, b.requestId, card.id);
  }

  answered(node: string, a: Answer): void {
    for (const b of this.bots.values()) {
      if (b.token !== a.token || b.connectedTo !== node) continue;
      b.token = null;
      if (a.ok) {
        this.stats.moves++;
        b.requestId = `${b.id}:${++b.moves}`;
      } else {
        this.stats.refused++;
        // Unknown outcome: the same request again; a definite refusal: a new one.
        if (a.code !== 'UNAVAILABLE' && a.code !== 'UNREACHABLE') b.requestId = `${b.id}:${++b.moves}`;
      }
    }
  }

  published(node: string, ps: readonly Publish[]): void {
    for (const p of ps) {
      if (p.to === 'player') {
        const b = this.bots.get(p.playerId);
        if (!b || b.connectedTo !== node || p.event.type !== 'MAO' || p.event.matchId !== b.matchId) continue;
        const seq = Number(p.event.eventSeq ?? 0);
        if (seq >= b.handSeq) {
          b.handSeq = seq;
          b.hand = p.event.hand as Card[];
        }
        continue;
      }
      if (p.event.type !== 'ATUALIZACAO_JOGO') continue;
      for (const b of this.bots.values()) {
        if (b.matchId !== p.matchId || b.connectedTo !== node) continue;
        const seq = Number(p.event.eventSeq);
        if (!b.view || seq >= b.view.eventSeq) b.view = { eventSeq: seq, phase: String(p.event.phase), turn: (p.event.turn as string | null) ?? null };
      }
    }
  }

  allFinished(): boolean {
    const l = this.hooks.ledger();
    return !!l && this.planned.every((pm) => l.matches.get(pm.matchId)?.status === 'finished');
  }

  describeUnfinished(): string {
    const l = this.hooks.ledger();
    return this.planned
      .filter((pm) => l?.matches.get(pm.matchId)?.status !== 'finished')
      .map((pm) => {
        const r = l?.matches.get(pm.matchId);
        return `${pm.matchId} ${r ? `${r.status} host=${r.host} shadow=${r.shadow} epoch=${r.epoch}` : 'never created'}`;
      })
      .join('; ');
  }
}
