import { describe, it, expect } from 'vitest';
import { CommandLimiter, classOf } from './command-limits.ts';
import { CommandRouter } from './commands.ts';
import { createRootLogger } from '../log.ts';
import { createMetrics } from '../metrics/metrics.ts';
import type { PlayerEvent } from '../../protocol/events.ts';

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

describe('CommandRouter with limits', () => {
  it('picks the bucket by the parsed type (a repeated "type" key cannot dodge the ledger bucket); excess does nothing', async () => {
    const replies: PlayerEvent[] = [];
    let bought = 0;
    const router = new CommandRouter((_p, e) => replies.push(e), createRootLogger('t', 'silent'), createMetrics('t'), new CommandLimiter(1, () => 0));
    router.on('COMPRAR', (_p, cmd) => {
      bought++;
      return { type: 'OK', requestId: cmd.requestId, command: 'COMPRAR' };
    });
    for (let i = 0; i < 15; i++) await router.dispatch('a', Buffer.from(`{"type":"PING","type":"COMPRAR","requestId":"r${i}"}`));
    expect(bought).toBe(10);
    const refused = replies.filter((e) => e.type === 'ERRO');
    expect(refused).toHaveLength(5);
    expect(refused[0]).toMatchObject({ code: 'RATE_LIMITED', requestId: 'r10', retryAfterMs: 1000 });
  });
});
