// docs/design.md §4's `message`: the Portuguese sentence for a narration, built at the edge (in
// publicView) from the same data the UI translates. The replicated state keeps only the data.
import type { Narration } from '../../protocol/narration.ts';
import type { MatchPlayer } from './types.ts';
import { cardLabel } from './rules.ts';

const REASONS: Record<string, string> = {
  DESISTENCIA: 'desistiu',
  DESCONECTADO: 'ficou desconectado tempo demais',
  SEM_MAO: 'não escolheu uma mão a tempo',
};

function tricks(n: number): string {
  return n === 1 ? '1 vaza' : `${n} vazas`;
}

/** One sentence (or two) in Portuguese; players named by their display names. */
export function narrate(n: Narration, players: readonly MatchPlayer[]): string {
  const name = (id: string | null) => players.find((p) => p.id === id)?.name ?? String(id);
  const played = (p: { player: string; card: Parameters<typeof cardLabel>[0]; auto: boolean }) =>
    p.auto ? `O tempo de ${name(p.player)} acabou: ${cardLabel(p.card)} foi jogada.` : `${name(p.player)} jogou ${cardLabel(p.card)}.`;
  switch (n.key) {
    case 'MATCH_CREATED':
      return 'Partida criada: comprem um pacote ou escolham 5 cartas.';
    case 'HAND_SET':
      return `A mão de ${name(n.params.player)} está pronta.`;
    case 'HANDS_READY':
      return `Mãos prontas! ${name(n.params.leader)} começa.`;
    case 'CARD_PLAYED':
      return `${played(n.params)} Vez de ${name(n.params.next)}.`;
    case 'TRICK_WON':
      return `${played(n.params)} ${name(n.params.winner)} venceu a rodada ${n.params.round}. Vez de ${name(n.params.winner)}.`;
    case 'TRICK_TIED':
      return `${played(n.params)} Rodada ${n.params.round} empatada. Vez de ${name(n.params.leader)}.`;
    case 'MATCH_WON': {
      const trick = n.params.trickWinner ? `${name(n.params.trickWinner)} venceu a rodada ${n.params.round}.` : `Rodada ${n.params.round} empatada.`;
      return `${played(n.params)} ${trick} Fim de jogo: ${name(n.params.winner)} venceu por ${n.params.won} a ${n.params.lost}.`;
    }
    case 'MATCH_DRAW': {
      const trick = n.params.trickWinner ? `${name(n.params.trickWinner)} venceu a rodada ${n.params.round}.` : `Rodada ${n.params.round} empatada.`;
      return `${played(n.params)} ${trick} Fim de jogo: empate, ${tricks(n.params.tricks)} para cada um.`;
    }
    case 'FORFEIT':
      return `${name(n.params.player)} ${REASONS[n.params.reason] ?? `saiu da partida (${n.params.reason})`}. ${name(n.params.winner)} venceu.`;
    case 'FAILOVER':
      return `A partida foi movida para o servidor reserva (${n.params.to}).`;
    case 'SHADOW_CHANGED':
      return `Novo servidor reserva: ${n.params.shadow ?? 'nenhum'}.`;
    case 'ABORT':
      return `Partida encerrada sem vencedor (${n.params.reason}).`;
  }
}
