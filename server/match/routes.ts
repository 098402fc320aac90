// REST for matches (docs/protocol.md): /game/start, /game/event, /game/replicate,
// /game/:matchId/log, plus the Trinca extensions /game/notify (host → watcher),
// /game/presence, and the batch forms of start/event/replicate (`POST <path>/batch {items}` →
// `{results}`, see batch.ts). Each handler validates the body and hands it to the match core.
import Router from '@koa/router';
import type { ZodType } from 'zod';
import { parseBody, HttpError } from '../http/errors.ts';
import { GameEventBody, GameNotifyBody, GamePresenceBody, GameReplicateBody, GameStartBody } from '../../protocol/rest.ts';
import type { PeerState } from '../http/app.ts';
import type { PeerRequest } from './core/index.ts';
import type { MatchDriver } from './driver.ts';
import { MatchError, type MatchService } from './service.ts';
import type { Signer } from './signing.ts';
import { BATCH_SUFFIX } from './batch.ts';
import { fromEvent, fromNotify, fromReplicate, fromStart, replyBody } from './wire.ts';

const MAX_BATCH_ITEMS = 1000;

/** An error answer that may carry data (a shadow's LOG_AHEAD sends its log back). */
class RefusalWithBody extends HttpError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly extra: Record<string, unknown>,
  ) {
    super(status, code, message);
  }
}

export function matchRestRouter(d: { driver: MatchDriver; service: MatchService; signer: Signer }): Router<PeerState> {
  const r = new Router<PeerState>();

  /** Runs one peer request through the core: the endpoint's answer body, or the refusal. */
  const serve = async (peer: string, req: PeerRequest): Promise<Record<string, unknown>> => {
    const reply = await d.driver.peer(peer, req);
    if (reply.ok) return replyBody(req, reply);
    if (reply.events) throw new RefusalWithBody(reply.status, reply.code, reply.message, { events: reply.events });
    throw new HttpError(reply.status, reply.code, reply.message);
  };
  const asEvent = (body: GameEventBody): PeerRequest => {
    if (!d.signer.verify(body)) throw new HttpError(400, 'BAD_SIGNATURE', 'forwarded command has an invalid signature');
    const req = fromEvent(body);
    if (typeof req === 'string') throw new HttpError(400, 'BAD_REQUEST', req);
    return req;
  };
  const endpoints: [string, ZodType<unknown>, (body: never) => PeerRequest][] = [
    ['/game/start', GameStartBody, fromStart],
    ['/game/replicate', GameReplicateBody, fromReplicate],
    ['/game/event', GameEventBody, asEvent],
    ['/game/notify', GameNotifyBody, fromNotify],
  ];
  for (const [path, schema, toRequest] of endpoints) {
    r.post(path, async (ctx) => {
      const req = toRequest(parseBody(schema, ctx.request.body) as never);
      try {
        ctx.body = await serve(ctx.state.peer!, req);
      } catch (err) {
        if (!(err instanceof RefusalWithBody)) throw err;
        ctx.status = err.status;
        ctx.body = { error: err.code, message: err.message, ...err.extra };
      }
    });
    if (path === '/game/notify') continue;
    // `<path>/batch`: the items run concurrently; each gets its own answer or error.
    r.post(path + BATCH_SUFFIX, async (ctx) => {
      const items = (ctx.request.body as { items?: unknown } | undefined)?.items;
      if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH_ITEMS) {
        throw new HttpError(400, 'BAD_REQUEST', `items: 1–${MAX_BATCH_ITEMS} request bodies`);
      }
      const peer = ctx.state.peer!;
      ctx.body = {
        results: await Promise.all(
          items.map(async (raw: unknown) => {
            try {
              return await serve(peer, toRequest(parseBody(schema, raw) as never));
            } catch (err) {
              if (err instanceof RefusalWithBody) return { error: err.code, message: err.message, status: err.status, ...err.extra };
              if (err instanceof HttpError) return { error: err.code, message: err.message, status: err.status };
              throw err;
            }
          }),
        ),
      };
    });
  }

  r.post('/game/presence', async (ctx) => {
    const body = parseBody(GamePresenceBody, ctx.request.body);
    ctx.body = await serve(ctx.state.peer!, { type: 'presence', players: body.players });
  });

  r.get('/game/:matchId/log', async (ctx) => {
    try {
      ctx.body = await d.service.log(ctx.params.matchId);
    } catch (err) {
      if (err instanceof MatchError) throw new HttpError(err.status, err.code, err.message);
      throw err;
    }
  });

  return r;
}
