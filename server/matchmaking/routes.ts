// REST for matchmaking (docs/design.md §3): a peer asks for an opponent, then commits or releases
// the reservation. GET /matchmaking/fila shows this node's queue (operators and tests).
import Router from '@koa/router';
import { HttpError, parseBody } from '../http/errors.ts';
import { ConfirmarPartidaBody, SolicitarOponenteBody } from '../../protocol/rest.ts';
import type { PeerState } from '../http/app.ts';
import type { Matchmaker } from './matchmaker.ts';

export function matchmakingRestRouter(mm: Matchmaker): Router<PeerState> {
  const r = new Router<PeerState>();

  r.post('/matchmaking/solicitar_oponente', (ctx) => {
    const body = parseBody(SolicitarOponenteBody, ctx.request.body);
    // Reservations are keyed by origin: a peer may only ask for itself.
    if (body.origin !== ctx.state.peer) throw new HttpError(403, 'ORIGIN_MISMATCH', 'origin must equal the token server_id');
    ctx.body = mm.solicitar(body);
  });

  r.post('/matchmaking/confirmar_partida', (ctx) => {
    const body = parseBody(ConfirmarPartidaBody, ctx.request.body);
    ctx.body = mm.confirmar(ctx.state.peer ?? '', body);
  });

  r.get('/matchmaking/fila', (ctx) => {
    ctx.body = mm.snapshot();
  });

  return r;
}
