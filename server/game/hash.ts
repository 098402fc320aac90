// stateHash: a digest of the whole match state (hands included) that host, shadow and a
// replay must agree on. Computed on every replicated event, so it walks the known shape in
// a fixed order (player-keyed records in seat order) instead of sorting keys generically:
// ~10× cheaper than canonical JSON, and independent of object key order all the same.
import type { Card } from '../../protocol/cards.ts';
import { hashHex } from '../ledger/machine/rng.ts';
import type { Narration } from '../../protocol/narration.ts';
import type { MatchState, PlayedCard } from './types.ts';

type Atom = string | number | boolean | null;

function pushCard(out: Atom[], c: Card): void {
  out.push(c.id, c.name, c.suit, c.value, c.rarity);
}

function pushPlayed(out: Atom[], list: readonly PlayedCard[]): void {
  out.push(list.length);
  for (const p of list) {
    out.push(p.playerId);
    pushCard(out, p.card);
  }
}

function pushNarration(out: Atom[], n: Narration): void {
  const params = n.params as Record<string, Atom | Card>;
  const keys = Object.keys(params).sort();
  out.push(n.key, keys.length);
  for (const k of keys) {
    const v = params[k];
    out.push(k);
    if (v !== null && typeof v === 'object') pushCard(out, v);
    else out.push(v);
  }
}

/** Every field of the state as one flat list; a new MatchState field must be added here. */
export function fingerprint(s: MatchState): Atom[] {
  const out: Atom[] = [
    s.matchId,
    s.phase,
    s.round,
    s.leader,
    s.turn,
    s.eventSeq,
    s.epoch,
    s.host,
    s.shadow,
    s.seed,
    s.turnStartedAt,
    s.lastEventAt,
    s.result ? s.result.winnerId : '-',
    s.result ? s.result.reason : '-',
    s.players.length,
  ];
  for (const p of s.players) {
    const hand = s.hands[p.id];
    out.push(p.id, p.name, s.scores[p.id] ?? null, s.handSource[p.id] ?? null, hand ? hand.length : -1);
    if (hand) for (const c of hand) pushCard(out, c);
  }
  pushPlayed(out, s.table);
  pushNarration(out, s.narration);
  out.push(s.tricks.length);
  for (const t of s.tricks) {
    out.push(t.round, t.leader, t.winnerId);
    pushPlayed(out, t.cards);
  }
  return out;
}

export function stateHash(state: MatchState): string {
  return hashHex(JSON.stringify(fingerprint(state)));
}

/**
 * Canonical JSON: sorted keys, undefined members left out (as JSON.stringify leaves them),
 * undefined array items as null. Signatures are computed over it (match/signing.ts), so its
 * bytes must never change; it is built in one pass because every event is signed and
 * verified with it on host and shadow. `omit` leaves one top-level key out (the signature
 * being checked).
 */
export function canonicalJson(v: unknown, omit?: string): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      const x: unknown = v[i];
      out += x === undefined ? 'null' : canonicalJson(x);
    }
    return out + ']';
  }
  const rec = v as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(rec).sort()) {
    const x = rec[k];
    if (x === undefined || k === omit) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + canonicalJson(x);
  }
  return out + '}';
}
