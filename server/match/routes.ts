// REST for matches (DESIGN §3): /game/start, /game/event, /game/replicate, /game/:matchId/log,
// plus the Trinca extensions /game/notify (host → watcher), /game/presence, and the batch
// forms of start/event/replicate (`POST <path>/batch {items}` → `{results}`, see batch.ts).
import Router from '@koa/router';
import type { ZodType } from 'zod';
import { parseBody, HttpError } from '../http/errors.ts';
import { GameEventBody, GameNotifyBody, GamePresenceBody, GameReplicateBody, GameStartBody } from '../../protocol/rest.ts';
import type { PeerState } from '../http/app.ts';
import { MatchError, type MatchContext } from './context.ts';
import type { MatchService } from './service.ts';
import { onNotify, onReplicate, onStart } from './shadow.ts';
import { BATCH_SUFFIX } from './batch.ts';

const MAX_BATCH_ITEMS = 1000;

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

  type Deps = { service: MatchService; ctx: MatchContext };
  /** `<path>/batch`: the items run concurrently; each gets its own answer or error. */
  const batch = <B>(path: string, schema: ZodType<B>, handle: (d: Deps, peer: string, body: B) => Promise<unknown>) => {
    r.post(path + BATCH_SUFFIX, async (ctx) => {
      const d = need();
      const items = (ctx.request.body as { items?: unknown } | undefined)?.items;
      if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH_ITEMS) {
        throw new HttpError(400, 'BAD_REQUEST', `items: 1–${MAX_BATCH_ITEMS} request bodies`);
      }
      const peer = ctx.state.peer!;
      ctx.body = {
        results: await Promise.all(
          items.map(async (raw: unknown) => {
            try {
              return await handle(d, peer, parseBody(schema, raw));
            } catch (err) {
              if (err instanceof MatchError || err instanceof HttpError) return { error: err.code, message: err.message, status: err.status };
              d.ctx.logs.host.error({ err, path }, 'batch item failed');
              return { error: 'INTERNAL', message: 'internal error', status: 500 };
            }
          }),
        ),
      };
    });
  };
  batch('/game/start', GameStartBody, async (d, peer, body) => {
    await onStart(d.ctx, peer, body);
    return { status: 'created' };
  });
  batch('/game/replicate', GameReplicateBody, async (d, peer, body) => ({ status: 'replicated', eventSeq: await onReplicate(d.ctx, peer, body) }));
  batch('/game/event', GameEventBody, (d, peer, body) => d.service.onEvent(peer, body));

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
