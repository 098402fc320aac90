// Batching of match calls between two peers over HTTP, while their peer link is down (over
// the link each call is a frame and a turn's frames travel in one message already; Trinca
// extension, docs/protocol.md): all the
// /game/replicate, /game/event and /game/start calls a node makes to one peer during one turn
// of the event loop travel together in ONE `POST <path>/batch {items:[…]}`, answered with
// `{results:[…]}` in the same order — each result the single endpoint's answer, or
// `{error, message, status}` for that item alone. The peer handles the items concurrently
// (each match still strictly in order: the host has at most one call per match in flight),
// so their match-log appends share one journal round. Up to `maxInflight` batches per peer
// and path are in flight; items submitted meanwhile form the next batch. One HTTP request
// and one JSON parse per batch instead of per move is where the CPU went at thousands of
// moves per second, and a burst no longer queues hundreds of requests behind the agent's
// sockets (which delayed heartbeats too). A peer without the batch route (404) gets the
// single calls. Every item keeps its own deadline; a failed batch call fails its items
// with the same errors a single call would have (PeerUnreachableError / PeerRefusedError).
import { PeerRefusedError, PeerUnreachableError, type PeerClient } from '../http/peer-client.ts';

export const BATCH_SUFFIX = '/batch';
/** Items per batch, and bytes (well under the peers' 1 MiB body limit). */
const MAX_ITEMS = 1000;
const MAX_BYTES = 512 * 1024;

export type BatchResult = Record<string, unknown> & { error?: string; message?: string; status?: unknown };

interface Item {
  json: string;
  body: unknown;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  settled: boolean;
  timeoutMs: number;
}

interface Lane {
  address: string;
  path: string;
  queue: Item[];
  inflight: number;
  scheduled: boolean;
  /** False once the peer answered 404 for the batch route. */
  batched: boolean;
}

export interface BatcherOptions {
  maxInflight?: number;
}

export class PeerBatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxInflight: number;

  constructor(
    private readonly client: PeerClient,
    opts: BatcherOptions = {},
  ) {
    this.maxInflight = Math.max(1, opts.maxInflight ?? 4);
  }

  /** Like client.post(address, path, body), but batched with other calls to the same peer and path. */
  post<T>(address: string, path: string, body: unknown, timeoutMs: number): Promise<T> {
    const key = `${address} ${path}`;
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { address, path, queue: [], inflight: 0, scheduled: false, batched: true }));
    const l = lane;
    return new Promise<T>((resolve, reject) => {
      const item: Item = {
        json: JSON.stringify(body),
        body,
        resolve: resolve as (r: unknown) => void,
        reject,
        settled: false,
        timeoutMs,
        timer: setTimeout(() => {
          if (item.settled) return;
          item.settled = true;
          const i = l.queue.indexOf(item);
          if (i >= 0) l.queue.splice(i, 1);
          reject(new PeerUnreachableError(`${address}${path}`, `timed out after ${timeoutMs} ms`));
        }, timeoutMs),
      };
      l.queue.push(item);
      this.schedule(l);
    });
  }

  private schedule(lane: Lane): void {
    if (lane.scheduled || lane.inflight >= this.maxInflight || lane.queue.length === 0) return;
    lane.scheduled = true;
    // Everything submitted during this turn of the event loop joins the batch.
    setImmediate(() => {
      lane.scheduled = false;
      this.flush(lane);
    });
  }

  private flush(lane: Lane): void {
    while (lane.queue.length > 0 && lane.inflight < this.maxInflight) {
      const items: Item[] = [];
      let bytes = 0;
      while (lane.queue.length > 0 && items.length < MAX_ITEMS && (items.length === 0 || bytes + lane.queue[0].json.length < MAX_BYTES)) {
        const it = lane.queue.shift()!;
        bytes += it.json.length + 1;
        items.push(it);
      }
      lane.inflight++;
      const sent = lane.batched && items.length > 1 ? this.sendBatch(lane, items) : this.sendSingly(lane, items);
      void sent.finally(() => {
        lane.inflight--;
        this.schedule(lane);
      });
    }
  }

  private async sendSingly(lane: Lane, items: Item[]): Promise<void> {
    await Promise.all(
      items.map((it) =>
        this.client.post(lane.address, lane.path, it.body, { timeoutMs: it.timeoutMs }).then(
          (r) => settle(it, null, r),
          (e: Error) => settle(it, e, null),
        ),
      ),
    );
  }

  private async sendBatch(lane: Lane, items: Item[]): Promise<void> {
    const payload = `{"items":[${items.map((i) => i.json).join(',')}]}`;
    const timeoutMs = Math.max(...items.map((i) => i.timeoutMs));
    let reply: { results?: BatchResult[] };
    try {
      reply = await this.client.postRaw<{ results?: BatchResult[] }>(lane.address, lane.path + BATCH_SUFFIX, payload, { timeoutMs });
    } catch (err) {
      if (err instanceof PeerRefusedError && err.status === 404 && err.code === 'NOT_FOUND' && /no route/.test(err.message)) {
        lane.batched = false; // an older peer: single calls from now on
        return this.sendSingly(lane, items);
      }
      for (const it of items) settle(it, err as Error, null);
      return;
    }
    const results = Array.isArray(reply?.results) ? reply.results : [];
    items.forEach((it, i) => {
      const r = results[i];
      if (!r || typeof r !== 'object') return settle(it, new PeerRefusedError(`${lane.address}${lane.path}`, 502, 'BAD_RESPONSE', 'batch answer is missing an item'), null);
      if (typeof r.error === 'string') {
        const status = typeof r.status === 'number' ? r.status : 500;
        return settle(it, new PeerRefusedError(`${lane.address}${lane.path}`, status, r.error, String(r.message ?? r.error), r), null);
      }
      settle(it, null, r);
    });
  }
}

function settle(it: Item, err: Error | null, value: unknown): void {
  if (it.settled) return;
  it.settled = true;
  clearTimeout(it.timer);
  if (err) it.reject(err);
  else it.resolve(value);
}
