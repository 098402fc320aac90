import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, validateCommand, initialState, applyEvent } from '../game/index.ts';
import { Signer, bareEvent, unwrapEvent } from './signing.ts';

/** The canonical form as first written (arrays and joins): signatures made with it must still verify. */
function reference(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : reference(x))).join(',')}]`;
  const rec = v as Record<string, unknown>;
  const keys = Object.keys(rec)
    .filter((k) => rec[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(rec[k])}`).join(',')}}`;
}

describe('signing', () => {
  it('canonicalJson() is byte-identical to the original canonical form (signatures stay compatible)', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: false }), (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 500 },
    );
    const ev = { type: 'CARD_PLAYED', seq: 4, at: 1, playerId: 'a', cardId: 'c', matchId: 'm', epoch: 1, eventSeq: 4, signature: 'x', u: undefined };
    const { signature: _s, ...rest } = ev;
    expect(canonicalJson(ev, 'signature')).toBe(reference(rest));
  });

  it('mac() is HMAC-SHA256 (createHmac gives the same bytes)', async () => {
    const { createHmac } = await import('node:crypto');
    const key = Buffer.alloc(32, 3);
    const body = { b: 'é ✓', a: [1, { z: null, y: 'x' }], n: -0.5 };
    expect(new Signer(key).mac(body)).toBe(createHmac('sha256', key).update(canonicalJson(body)).digest('base64url'));
  });

  it('verifies what it signs, and refuses any change', () => {
    const signer = new Signer(Buffer.alloc(32, 7));
    const signed = signer.signEvent({ type: 'CHAT', seq: 2, at: 5, playerId: 'p', text: 'oi' }, 'm1', 1, 'r1');
    expect(signer.verify(signed)).toBe(true);
    expect(signer.verify(JSON.parse(JSON.stringify(signed)))).toBe(true);
    const tampered: Record<string, unknown> = { ...signed, text: 'tchau' };
    const extended: Record<string, unknown> = { ...signed, extra: 1 };
    expect(signer.verify(tampered)).toBe(false);
    expect(signer.verify(extended)).toBe(false);
    expect(new Signer(Buffer.alloc(32, 8)).verify(signed)).toBe(false);
  });

  it('unwrapEvent gives what bareEvent gives for valid events', () => {
    const signer = new Signer(Buffer.alloc(32, 7));
    const start = { type: 'MATCH_START' as const, seq: 1, at: 1, matchId: 'm1', players: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }] as [{ id: string; name: string }, { id: string; name: string }], seed: 's', host: 'p1', shadow: 'p2', epoch: 1 };
    const signed = JSON.parse(JSON.stringify(signer.signEvent(start, 'm1', 1)));
    expect(unwrapEvent(signed)).toEqual(bareEvent(signed));
    const s1 = applyEvent(initialState(), unwrapEvent(signed)!);
    expect(s1.ok).toBe(true);
    const chat = validateCommand((s1 as { state: ReturnType<typeof initialState> }).state, 'a', { type: 'CHAT', text: 'oi' }, 2);
    if (!chat.ok) throw new Error(chat.message);
    const wire = JSON.parse(JSON.stringify(signer.signEvent(chat.event, 'm1', 1, 'req')));
    expect(unwrapEvent(wire)).toEqual(bareEvent(wire));
    const failover = JSON.parse(JSON.stringify(signer.signEvent({ type: 'FAILOVER', seq: 3, at: 3, oldHost: 'p1', newHost: 'p2', shadow: null, epoch: 2 }, 'm1', 2)));
    expect(unwrapEvent(failover)).toEqual(bareEvent(failover));
  });
});
