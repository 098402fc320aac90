// REST for matches (DESIGN §3): /game/start, /game/event, /game/replicate, /game/:matchId/log,
// plus the Trinca extensions /game/notify (host → watcher) and /game/presence.
import Router from '@koa/router';
import { parseBody, HttpError } from '../http/errors.ts';
import { GameEventBody, GameNotifyBody, GamePresenceBody, GameReplicateBody, GameStartBody } from '../../protocol/rest.ts';
import type { PeerState } from '../http/app.ts';
import { MatchError, type MatchContext } from './context.ts';
import type { MatchService } from './service.ts';
import { onNotify, onReplicate, onStart } from './shadow.ts';

export function matchRouter(get: () => { service: MatchService; ctx: MatchContext } | null): Router<PeerState> {
  const r = new Router<PeerState>();
  const need = () => {
    const d = get();
    if (!d) throw new HttpError(503, 'UNAVAILABLE', 'matches are not running on this node yet');
    return d;
  };
  const run = async <T>(job: () => Promise<T> | T): Promise<T> => {
    try {
      return await job();
    } catch (err) {
      if (err instanceof MatchError) throw new HttpError(err.status, err.code, err.message);
      throw err;
    }
  };

  r.post('/game/start', async (ctx) => {
    const d = need();
    const body = parseBody(GameStartBody, ctx.request.body);
    await run(() => onStart(d.ctx, ctx.state.peer!, body));
    ctx.body = { status: 'created' };
  });

  r.post('/game/replicate', async (ctx) => {
    const d = need();
    const body = parseBody(GameReplicateBody, ctx.request.body);
    const eventSeq = await run(() => onReplicate(d.ctx, ctx.state.peer!, body));
    ctx.body = { status: 'replicated', eventSeq };
  });

  r.post('/game/event', async (ctx) => {
    const d = need();
    const body = parseBody(GameEventBody, ctx.request.body);
    ctx.body = await run(() => d.service.onEvent(ctx.state.peer!, body));
  });

  r.post('/game/notify', async (ctx) => {
    const d = need();
    const body = parseBody(GameNotifyBody, ctx.request.body);
    const eventSeq = await run(() => onNotify(d.ctx, body));
    ctx.body = { status: 'ok', eventSeq };
  });

  r.post('/game/presence', (ctx) => {
    const d = need();
    d.service.onPresence(parseBody(GamePresenceBody, ctx.request.body));
    ctx.body = { status: 'ok' };
  });

  r.get('/game/:matchId/log', async (ctx) => {
    const d = need();
    ctx.body = await run(() => d.service.log(ctx.params.matchId));
  });

  return r;
}
