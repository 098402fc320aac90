// The core's peer messages as the REST endpoints of docs/protocol.md carry them: the path and
// body of each request, the body of each answer, and the way back from a validated body.
import type { GameEventBody, GameNotifyBody, GameReplicateBody, GameStartBody } from '../../protocol/rest.ts';
import type { PeerReply, PeerRequest, PlayerMove } from './core/index.ts';
import type { SignedEvent, Signer } from './signing.ts';

export function requestPath(r: PeerRequest): string {
  switch (r.type) {
    case 'start':
      return '/game/start';
    case 'replicate':
      return '/game/replicate';
    case 'command':
      return '/game/event';
    case 'notify':
      return '/game/notify';
    case 'presence':
      return '/game/presence';
    case 'log':
      return `/game/${encodeURIComponent(r.matchId)}/log`;
  }
}

/** The REST body of a request (a forwarded command is signed here, as /game/event requires). */
export function requestBody(r: PeerRequest, signer: Signer): unknown {
  switch (r.type) {
    case 'start':
      return { matchId: r.matchId, epoch: r.epoch, host: r.host, shadow: r.shadow, players: r.players, events: r.events };
    case 'replicate':
      return { matchId: r.matchId, epoch: r.epoch, fromSeq: r.fromSeq, events: r.events, stateHash: r.stateHash };
    case 'notify':
      return { matchId: r.matchId, epoch: r.epoch, fromSeq: r.fromSeq, events: r.events };
    case 'presence':
      return { players: r.players };
    case 'log':
      return undefined;
    case 'command': {
      const { type, ...data } = r.move;
      return signer.sign({ matchId: r.matchId, epoch: r.epoch, playerId: r.playerId, type, data, requestId: r.requestId });
    }
  }
}

/** A REST answer back into the reply the core expects. */
export function replyFromBody(r: PeerRequest, body: unknown): PeerReply {
  const b = (body ?? {}) as { eventSeq?: unknown; events?: unknown; epoch?: unknown };
  const eventSeq = typeof b.eventSeq === 'number' ? b.eventSeq : 0;
  if (r.type === 'log' || (r.type === 'command' && r.move.type === 'ATTACH')) {
    return { ok: true, eventSeq, events: Array.isArray(b.events) ? (b.events as SignedEvent[]) : [], ...(typeof b.epoch === 'number' ? { epoch: b.epoch } : {}) };
  }
  if (r.type === 'start') return { ok: true, eventSeq: typeof b.eventSeq === 'number' ? b.eventSeq : r.events.length };
  return { ok: true, eventSeq };
}

/** The REST answer body for a core reply (success only; refusals become error bodies). */
export function replyBody(r: PeerRequest, reply: Extract<PeerReply, { ok: true }>): Record<string, unknown> {
  switch (r.type) {
    case 'start':
      return { status: 'created', eventSeq: reply.eventSeq };
    case 'replicate':
      return { status: 'replicated', eventSeq: reply.eventSeq };
    case 'command':
      return r.move.type === 'ATTACH' ? { status: 'processed', eventSeq: reply.eventSeq, events: reply.events ?? [] } : { status: 'processed', eventSeq: reply.eventSeq };
    case 'notify':
      return { status: 'ok', eventSeq: reply.eventSeq };
    case 'presence':
      return { status: 'ok' };
    case 'log':
      return { eventSeq: reply.eventSeq, events: reply.events ?? [] };
  }
}

export const fromStart = (b: GameStartBody): PeerRequest => ({ type: 'start', ...b, events: b.events as unknown as SignedEvent[] });
export const fromReplicate = (b: GameReplicateBody): PeerRequest => ({ type: 'replicate', ...b, events: b.events as unknown as SignedEvent[] });
export const fromNotify = (b: GameNotifyBody): PeerRequest => ({ type: 'notify', ...b, events: b.events as unknown as SignedEvent[] });

/** A /game/event body (its signature already checked) as the core's command, or why not. */
export function fromEvent(b: GameEventBody): PeerRequest | string {
  const d = b.data;
  let move: PlayerMove | { type: 'ATTACH'; fromSeq: number };
  switch (b.type) {
    case 'JOGAR':
      move = { type: 'JOGAR', cardId: String(d.cardId ?? '') };
      break;
    case 'CHAT':
      move = { type: 'CHAT', text: String(d.text ?? '') };
      break;
    case 'FORFEIT':
      move = { type: 'FORFEIT', reason: String(d.reason ?? 'DESISTENCIA') };
      break;
    case 'ATTACH':
      move = { type: 'ATTACH', fromSeq: typeof d.fromSeq === 'number' && d.fromSeq >= 1 ? Math.floor(d.fromSeq) : 1 };
      break;
    default:
      return `${b.type} is not forwarded: a hand is set through the ledger (COMPRAR/PRONTO at the player's node)`;
  }
  return { type: 'command', matchId: b.matchId, epoch: b.epoch, playerId: b.playerId, requestId: b.requestId ?? `anon:${b.signature.slice(0, 16)}`, move };
}
