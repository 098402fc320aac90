import { describe, it, expect } from 'vitest';
import { CommandLimiter, classOf } from './command-limits.ts';

describe('per-player command limits', () => {
  it('classes: ledger writes, chat, the rest', () => {
    for (const t of ['COMPRAR', 'PROPOR_TROCA', 'RESPONDER_TROCA', 'PERFIL']) expect(classOf(t)).toBe('ledger');
    expect(classOf('CHAT')).toBe('chat');
    for (const t of ['JOGAR', 'PING', 'COLECAO', 'ENTRAR_FILA', null, 'NONSENSE']) expect(classOf(t)).toBe('other');
  });

  it('chat: 5 at once, then 1 per second; buckets are per player and per class', () => {
    let now = 0;
    const l = new CommandLimiter(1, () => now);
    for (let i = 0; i < 5; i++) expect(l.take('a', 'CHAT').ok).toBe(true);
    expect(l.take('a', 'CHAT')).toEqual({ ok: false, retryAfterMs: 1000 });
    expect(l.take('b', 'CHAT').ok).toBe(true);
    expect(l.take('a', 'PING').ok).toBe(true);
    expect(l.take('a', 'COMPRAR').ok).toBe(true);
    now = 1000;
    expect(l.take('a', 'CHAT').ok).toBe(true);
  });

  it('--rate-limit-scale multiplies size and rate', () => {
    let now = 0;
    const l = new CommandLimiter(10, () => now);
    let n = 0;
    while (l.take('a', 'COMPRAR').ok) n++;
    expect(n).toBe(100);
    now = 1000; // 1 per second × 10: ten tokens a second later
    expect([...Array(12)].filter(() => l.take('a', 'COMPRAR').ok).length).toBe(10);
  });
});
