// Components with real stores over the fake cluster: what the player sees and can do.
import { afterEach, describe, expect, it } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import CardFace from './CardFace.vue';
import PackOpening from './PackOpening.vue';
import TopBar from './TopBar.vue';
import FailoverBanner from './FailoverBanner.vue';
import TradesPanel from './TradesPanel.vue';
import MatchView from '../views/MatchView.vue';
import EndView from '../views/EndView.vue';
import FirstRunView from '../views/FirstRunView.vue';
import ClusterView from '../views/ClusterView.vue';
import App from '../App.vue';
import { connectedHarness, mountIn, until, type Harness } from '../testing/setup.ts';
import { flush } from '../testing/fake-network.ts';
import { card, hand5 } from '../testing/cards.ts';
import { useConnectionStore } from '../stores/connection.ts';
import { usePlayerStore } from '../stores/player.ts';
import { useMatchStore } from '../stores/match.ts';
import { useClusterStore } from '../stores/cluster.ts';
import { useNavigationStore } from '../stores/navigation.ts';
import { en } from '../i18n/en.ts';
import { pt } from '../i18n/pt.ts';
import type { AtualizacaoJogo } from '../../../protocol/events.ts';

let h: Harness | null = null;
afterEach(async () => {
  if (h) await useConnectionStore(h.pinia).disconnect();
  h = null;
  document.body.innerHTML = '';
});

async function harness(): Promise<Harness> {
  h = await connectedHarness();
  return h;
}

function startMatch(x: Harness, over: Partial<AtualizacaoJogo> = {}) {
  const me = usePlayerStore(x.pinia).playerId;
  const n1 = x.net.node('n1');
  n1.activeMatch.set(me, 'm1');
  n1.emit(me, { type: 'PARTIDA_ENCONTRADA', matchId: 'm1', opponentId: 'opp', opponentName: 'Bruno', host: 'n1', shadow: 'n2' });
  n1.emit(me, { type: 'MAO', matchId: 'm1', hand: hand5('a') });
  const base: AtualizacaoJogo = {
    type: 'ATUALIZACAO_JOGO',
    matchId: 'm1',
    eventSeq: 3,
    phase: 'JOGANDO',
    round: 1,
    turn: me,
    table: [],
    scores: { [me]: 0, opp: 0 },
    handCounts: { [me]: 5, opp: 5 },
    message: 'Sua vez',
    host: 'n1',
    ...over,
  };
  return { me, n1, send: (o: Partial<AtualizacaoJogo>) => n1.emit(me, { ...base, ...o }), base };
}

describe('i18n', () => {
  it('Portuguese and English have the same keys', () => {
    const keys = (o: object, p = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && v ? keys(v as object, `${p}${k}.`) : [`${p}${k}`]));
    expect(keys(pt).sort()).toEqual(keys(en).sort());
  });
});

describe('CardFace', () => {
  it('draws a card with an accessible label and its rarity', async () => {
    const x = await harness();
    const w = mountIn(x, CardFace, { props: { card: card('c1', 110, 'espadas', 'Fênix') } });
    const el = w.get('[data-testid="card"]');
    expect(el.attributes('role')).toBe('img');
    expect(el.attributes('aria-label')).toBe('Phoenix, 110 of spades, Legendary');
    expect(el.attributes('data-rarity')).toBe('L');
    expect(w.find('svg').exists()).toBe(true);
    expect(w.text()).toContain('Phoenix');
    x.i18n.global.locale.value = 'pt';
    await flushPromises();
    expect(w.get('[data-testid="card"]').attributes('aria-label')).toContain('Fênix');
  });
});

describe('PackOpening', () => {
  it('reveals five cards one by one, "reveal all" shows them, Escape or the button closes', async () => {
    const x = await harness();
    const w = mountIn(x, PackOpening, { props: { cards: hand5('p') }, attachTo: document.body });
    const dialog = w.get('dialog');
    expect(dialog.element.tagName).toBe('DIALOG');
    expect(dialog.find('[data-testid="pack-opening"]').exists()).toBe(true);
    expect(w.findAll('[data-testid="pack-card"]')).toHaveLength(5);
    expect(w.findAll('.flipped')).toHaveLength(0);
    await w.get('[data-testid="pack-reveal"]').trigger('click');
    expect(w.findAll('.flipped')).toHaveLength(5);
    dialog.element.dispatchEvent(new Event('cancel', { cancelable: true }));
    await flushPromises();
    expect(w.emitted('close')).toHaveLength(1);
    await w.get('[data-testid="pack-done"]').trigger('click');
    expect(w.emitted('close')).toHaveLength(2);
    w.unmount();
  });
});

describe('TopBar', () => {
  it('shows status, node and latency, and switches the language', async () => {
    const x = await harness();
    await usePlayerStore(x.pinia).setName('Ana');
    await until(() => useConnectionStore(x.pinia).latencyMs !== null);
    const w = mountIn(x, TopBar);
    expect(w.get('[data-testid="conn-status"]').attributes('data-status')).toBe('online');
    expect(w.get('[data-testid="node-id"]').text()).toBe('Node n1');
    expect(w.get('[data-testid="latency"]').text()).toMatch(/\d+ ms/);
    expect(w.get('[data-testid="nav-lobby"]').text()).toBe('Lobby');
    await w.get('[data-testid="lang-select"]').setValue('pt');
    expect(w.get('[data-testid="nav-lobby"]').text()).toBe('Saguão');
    expect(localStorage.getItem('trinca.locale')).toBe('"pt"');
  });
});

describe('FirstRunView', () => {
  it('refuses an empty name, accepts a valid one, and describes an invite code locally', async () => {
    const x = await harness();
    const w = mountIn(x, FirstRunView);
    await w.get('form').trigger('submit');
    expect(w.text()).toContain('A name has 1 to 24 characters.');
    // Nothing is suggested until the invite is valid; then a command that works when copied.
    expect(w.find('[data-testid="join-command"]').exists()).toBe(false);
    await w.get('[data-testid="invite-input"]').setValue('trinca1.nope');
    expect(w.find('[data-testid="join-command"]').exists()).toBe(false);
    const code = 'trinca1.' + btoa(JSON.stringify({ c: 'cluster-1', s: 'x'.repeat(43), p: ['http://10.0.0.2:8081'] })).replace(/=+$/, '');
    await w.get('[data-testid="invite-input"]').setValue(code);
    expect(w.get('[data-testid="invite-described"]').text()).toContain('cluster-1');
    const join = w.get('[data-testid="join-command"]').text();
    expect(join).toContain('node bin/trinca.js node --id bob');
    expect(join).toContain('--host 0.0.0.0');
    expect(join).toContain(`--invite ${code}`);
    expect(w.get('[data-testid="create-command"]').text()).toContain('--advertise http://');
    await w.get('[data-testid="name-input"]').setValue('Ana');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(usePlayerStore(x.pinia).name).toBe('Ana');
    expect(x.net.node('n1').lastSent('PERFIL')?.name).toBe('Ana');
  });

  it('uses the desktop preload API when present', async () => {
    const x = await harness();
    const calls: string[] = [];
    window.trinca = {
      nodeInfo: async () => ({ id: 'app', clusterId: 'c9', httpUrl: 'http://127.0.0.1:8081', mqttPort: 1884, dataDir: '/d', appVersion: '0.1.0' }),
      createInvite: async () => ({ ok: true, value: 'trinca1.abc' }),
      joinCluster: async (c) => {
        calls.push(c);
        return { ok: true, value: null };
      },
      openDataFolder: async () => undefined,
    };
    try {
      const w = mountIn(x, FirstRunView);
      await w.get('[data-testid="create-invite"]').trigger('click');
      await flushPromises();
      expect(w.get('[data-testid="invite-code"]').text()).toBe('trinca1.abc');
      const code = 'trinca1.' + btoa(JSON.stringify({ c: 'c2', s: 'y'.repeat(43), p: ['http://10.0.0.3:8081'] }));
      await w.get('[data-testid="invite-input"]').setValue(code);
      await w.get('[data-testid="join-button"]').trigger('click');
      await flushPromises();
      expect(calls).toEqual([code]);
    } finally {
      delete window.trinca;
    }
  });
});

describe('MatchView', () => {
  it('shows hand, turn and timer; plays by click and by number key only on its turn', async () => {
    const x = await harness();
    const m = startMatch(x);
    m.n1.handlers.JOGAR = (_p, cmd) => ({ type: 'OK', requestId: cmd.requestId, command: 'JOGAR' });
    m.send({ turn: 'opp' });
    await flush();
    const w = mountIn(x, MatchView, { attachTo: document.body });
    await flushPromises();
    expect(w.get('[data-testid="opponent-name"]').text()).toBe('Bruno');
    const buttons = w.findAll('[data-testid="hand-card"]');
    expect(buttons).toHaveLength(5);
    expect(buttons.every((b) => (b.element as HTMLButtonElement).disabled)).toBe(true);
    expect(w.get('[data-testid="turn-indicator"]').text()).toBe('Bruno’s turn');

    m.send({ eventSeq: 4, turn: m.me });
    await flushPromises();
    expect(w.get('[data-testid="turn-indicator"]').attributes('data-mine')).toBe('true');
    expect(w.get('[data-testid="turn-timer"]').attributes('data-seconds')).toMatch(/^(29|30)$/);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '2' }));
    await flushPromises();
    const sorted = [...hand5('a')].sort((p, q) => p.value - q.value);
    expect(m.n1.lastSent('JOGAR')?.cardId).toBe(sorted[1].id);
    w.unmount();
  });

  it('offers to buy or pick a hand while the match awaits hands', async () => {
    const x = await harness();
    const me = usePlayerStore(x.pinia).playerId;
    const n1 = x.net.node('n1');
    n1.activeMatch.set(me, 'm1');
    n1.emit(me, { type: 'PARTIDA_ENCONTRADA', matchId: 'm1', opponentId: 'opp', opponentName: 'Bruno', host: 'n1', shadow: 'n2' });
    await flush();
    const w = mountIn(x, MatchView);
    await flushPromises();
    expect(w.find('[data-testid="get-hand"]').exists()).toBe(true);
    n1.handlers.COMPRAR = (_p, cmd) => [
      { type: 'PACOTE_RESULTADO', requestId: cmd.requestId, cards: hand5('h'), remaining: 9 },
      { type: 'MAO', matchId: 'm1', hand: hand5('h') },
    ];
    await w.get('[data-testid="match-buy-hand"]').trigger('click');
    await flushPromises();
    await until(() => useMatchStore(x.pinia).hand.length === 5);
    await flushPromises();
    expect(w.find('[data-testid="get-hand"]').exists()).toBe(false);
    expect(w.find('[data-testid="hand-ready"]').exists()).toBe(true);
    // The pack is revealed in the hand itself: no window covers it.
    expect(w.find('[data-testid="pack-opening"]').exists()).toBe(false);
    expect(w.findAll('[data-testid="hand-card"]')).toHaveLength(5);
  });

  it('shows the table with who played what', async () => {
    const x = await harness();
    const m = startMatch(x);
    m.send({ eventSeq: 4, turn: m.me, table: [{ playerId: 'opp', card: card('b1', 44, 'paus', 'Lobo') }] });
    await flush();
    const w = mountIn(x, MatchView);
    await flushPromises();
    const played = w.get('[data-testid="table-card"]');
    expect(played.attributes('data-player-id')).toBe('opp');
    expect(played.text()).toContain('Bruno');
  });
});

describe('FailoverBanner', () => {
  it('appears when an update names a new host', async () => {
    const x = await harness();
    const m = startMatch(x);
    m.send({});
    await flush();
    const w = mountIn(x, FailoverBanner);
    expect(w.find('[data-testid="failover-banner"]').exists()).toBe(false);
    m.send({ eventSeq: 4, host: 'n2', message: 'Partida movida para o servidor reserva n2' });
    await flushPromises();
    const banner = w.get('[data-testid="failover-banner"]');
    expect(banner.attributes('role')).toBe('alert');
    expect(banner.attributes('data-host')).toBe('n2');
    expect(banner.text()).toContain('reserve server n2');
  });
});

describe('EndView', () => {
  it('says who won, with the scores and the reason', async () => {
    const x = await harness();
    const m = startMatch(x);
    m.n1.emit(m.me, { type: 'FIM_DE_JOGO', matchId: 'm1', winnerId: 'opp', winnerName: 'Bruno', scores: { [m.me]: 2, opp: 3 }, reason: 'VITORIA' });
    await flush();
    const w = mountIn(x, EndView);
    const r = w.get('[data-testid="end-result"]');
    expect(r.attributes('data-outcome')).toBe('lost');
    expect(r.attributes('data-winner-id')).toBe('opp');
    expect(w.get('[data-testid="end-score"]').text()).toBe('Tricks: you 2 — 3 Bruno');
    await w.get('[data-testid="end-back"]').trigger('click');
    expect(useMatchStore(x.pinia).matchId).toBeNull();
  });
});

describe('TradesPanel', () => {
  it('proposes a trade for a card seen on the table, and answers an incoming one', async () => {
    const x = await harness();
    const m = startMatch(x);
    m.send({ eventSeq: 4, table: [{ playerId: 'opp', card: card('b1', 44, 'paus', 'Lobo') }] });
    m.n1.collections.set(m.me, [card('mine1', 12)]);
    m.n1.handlers.PROPOR_TROCA = (_p, cmd) => ({ type: 'OK', requestId: cmd.requestId, command: 'PROPOR_TROCA' });
    const w = mountIn(x, TradesPanel);
    const { useCollectionStore } = await import('../stores/collection.ts');
    await useCollectionStore(x.pinia).refresh();
    await flushPromises();
    await w.get('[data-testid="trade-to"]').setValue('opp');
    expect(w.text()).not.toContain('opp'); // no raw ids on screen
    await w.get('[data-testid="trade-offer-option"][data-card-id="mine1"]').trigger('click');
    await w.get('[data-testid="trade-want-option"][data-card-id="b1"]').trigger('click');
    expect(w.get('[data-testid="trade-want-option"][data-card-id="b1"]').attributes('aria-pressed')).toBe('true');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(m.n1.lastSent('PROPOR_TROCA')).toMatchObject({ toPlayerId: 'opp', offerCardId: 'mine1', wantCardId: 'b1' });

    m.n1.emit(m.me, { type: 'TROCA_PROPOSTA', tradeId: 't1', fromPlayerId: 'opp', offerCard: card('x1', 70), wantCard: card('mine1', 12) });
    await flushPromises();
    const item = w.get('[data-testid="trade-incoming"]');
    expect(item.text()).toContain('From Bruno');
    m.n1.handlers.RESPONDER_TROCA = (_p, cmd) => ({ type: 'TROCA_RECUSADA', tradeId: 't1', reason: 'RECUSADA', requestId: cmd.requestId });
    await item.get('[data-testid="trade-decline"]').trigger('click');
    await flushPromises();
    expect(w.get('[data-testid="trade-incoming"]').attributes('data-status')).toBe('declined');
  });
});

describe('ClusterView', () => {
  it('lists peers with alive flags, the leader, term and stock', async () => {
    const x = await harness();
    useClusterStore(x.pinia).onStatus({
      clusterId: 'c1',
      node: 'n1',
      leader: 'n2',
      term: 7,
      peers: [
        { id: 'n1', address: 'http://n1.test', mqttPort: 1, alive: true, raftRole: 'follower', matches: 1 },
        { id: 'n2', address: 'http://n2.test', mqttPort: 1, alive: true, raftRole: 'leader', matches: 0 },
        { id: 'n3', address: 'http://n3.test', mqttPort: 1, alive: false, raftRole: 'unknown' },
      ],
      stock: { total: 2800, remaining: 1400 },
      at: 1,
    });
    const w = mountIn(x, ClusterView);
    await flushPromises();
    const rows = w.findAll('[data-testid="peer-row"]');
    expect(rows.map((r) => [r.attributes('data-peer-id'), r.attributes('data-alive'), r.attributes('data-leader')])).toEqual([
      ['n1', 'true', 'false'],
      ['n2', 'true', 'true'],
      ['n3', 'false', 'false'],
    ]);
    expect(w.get('[data-testid="cluster-leader"]').text()).toBe('n2');
    expect(w.get('[data-testid="cluster-term"]').text()).toBe('7');
    expect(w.get('[data-testid="cluster-stock"]').text()).toBe('1400 of 2800 cards left');
    expect(rows[0].text()).toContain('your node');
  });
});

describe('App navigation', () => {
  it('first run → lobby → cluster; a match takes over the screen; its end shows the result', async () => {
    const x = await harness();
    const w = mountIn(x, App, { attachTo: document.body });
    expect(w.find('[data-testid="first-run"]').exists()).toBe(true);
    await w.get('[data-testid="name-input"]').setValue('Ana');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(w.find('[data-testid="lobby"]').exists()).toBe(true);
    await w.get('[data-testid="nav-cluster"]').trigger('click');
    expect(w.find('[data-testid="cluster-view"]').exists()).toBe(true);
    const m = startMatch(x);
    m.send({});
    await flushPromises();
    expect(useNavigationStore(x.pinia).screen).toBe('match');
    expect(w.find('[data-testid="match"]').exists()).toBe(true);
    // The cluster view stays reachable during the match, and leads back to it.
    expect(w.find('[data-testid="nav-lobby"]').exists()).toBe(false);
    await w.get('[data-testid="nav-cluster"]').trigger('click');
    expect(w.find('[data-testid="cluster-view"]').exists()).toBe(true);
    await w.get('[data-testid="back-to-match"]').trigger('click');
    expect(w.find('[data-testid="match"]').exists()).toBe(true);
    m.n1.emit(m.me, { type: 'FIM_DE_JOGO', matchId: 'm1', winnerId: null, winnerName: null, scores: { [m.me]: 2, opp: 2 }, reason: 'EMPATE' });
    await flushPromises();
    expect(w.get('[data-testid="end-result"]').attributes('data-outcome')).toBe('draw');
    await w.get('[data-testid="end-back"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-testid="cluster-view"]').exists()).toBe(true);
    w.unmount();
  });
});
