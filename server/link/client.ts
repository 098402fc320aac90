// The dialing end of a peer link: one WebSocket per peer address, opened lazily on the first
// call, authenticated with the peer JWT at upgrade and renewed by a token frame halfway to its
// expiry, reopened with backoff after a drop while it is in use. Calls are pipelined (each
// frame has an id; answers come back in any order) and coalesced per event-loop turn.
import WebSocket from 'ws';
import { decodeJwt } from 'jose';
import { FRAME_REPLY, FrameError, MAX_REPLY_BYTES, decodeFrames, encodeRequest, encodeToken, parseBody } from './frames.ts';
import { FrameWriter } from './writer.ts';
import { LINK_PATH } from './server.ts';
import type { LinkMetrics } from './metrics.ts';
import type { Logger } from '../log.ts';

export interface LinkTokens {
  get(): Promise<string>;
  invalidate(): void;
}

/** How a call over the link ended: the same three outcomes an HTTP call has. */
export type LinkOutcome = { ok: true; status: number; body: unknown } | { ok: false; unreachable: string };

export interface LinkClientDeps {
  tokens: LinkTokens;
  log?: Logger;
  metrics?: LinkMetrics;
}

interface Pending {
  done: (o: LinkOutcome) => void;
  timer: NodeJS.Timeout;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;
/** A link unused this long is not reopened after a drop (it opens again on the next call). */
const IDLE_MS = 30_000;
/** A link that brought nothing for this long while a call timed out is presumed dead. */
const SILENT_MS = 3000;

export type LinkState = 'idle' | 'connecting' | 'up' | 'backoff' | 'closed';

export class LinkClient {
  state: LinkState = 'idle';
  private ws: WebSocket | null = null;
  private writer: FrameWriter | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private backoffMs = 0;
  private lastUse = 0;
  private everUp = false;
  private tokenExpMs = 0;
  private renewTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastProblem = '';
  /** When the last message arrived from the peer. */
  private lastHeard = 0;

  constructor(
    readonly address: string,
    private readonly deps: LinkClientDeps,
  ) {}

  /** Opens the link if nobody is doing so yet. */
  ensure(): void {
    this.lastUse = Date.now();
    if (this.state === 'idle') void this.connect();
  }

  /** Bytes queued and not yet written: a congested link sends new calls over HTTP. */
  get buffered(): number {
    return this.writer?.buffered ?? 0;
  }

  /** Sends one call; the link must be up. */
  request(path: string, body: Buffer | undefined, timeoutMs: number, done: (o: LinkOutcome) => void): void {
    this.lastUse = Date.now();
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const sentAt = performance.now();
    const ws = this.ws;
    const timer = setTimeout(() => {
      this.pending.delete(id);
      done({ ok: false, unreachable: `timed out after ${timeoutMs} ms` });
      // Nothing at all came back meanwhile: the connection may be dead without a reset
      // (a peer gone from the network). A fresh dial finds out; HTTP serves until then.
      if (this.ws === ws && this.lastHeard < sentAt && performance.now() - this.lastHeard >= SILENT_MS) {
        this.deps.log?.warn({ peer: this.address, timeoutMs }, 'peer link silent while a call timed out: dropping it');
        ws?.terminate();
      }
    }, timeoutMs);
    this.pending.set(id, { done, timer });
    this.writer!.push(encodeRequest(id, path, body));
  }

  close(): void {
    this.state = 'closed';
    this.clearTimers();
    this.ws?.terminate();
    this.failAll('link closed by this node');
  }

  private async connect(): Promise<void> {
    this.state = 'connecting';
    let token: string;
    try {
      token = await this.deps.tokens.get();
    } catch (err) {
      return this.down(`cannot sign a token: ${(err as Error).message}`);
    }
    if (this.state !== 'connecting') return;
    const url = this.address.replace(/^http/, 'ws').replace(/\/+$/, '') + LINK_PATH;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, maxPayload: MAX_REPLY_BYTES + 64, handshakeTimeout: 3000 });
    this.ws = ws;
    let problem = '';
    ws.on('open', () => {
      if (this.state !== 'connecting') return ws.terminate();
      const m = this.deps.metrics;
      this.state = 'up';
      this.lastHeard = performance.now();
      this.backoffMs = 0;
      this.lastProblem = '';
      this.writer = new FrameWriter(ws, (frames, bytes) => {
        m?.frames.inc({ direction: 'out' }, frames);
        m?.messages.inc({ direction: 'out' });
        m?.bytes.inc({ direction: 'out' }, bytes);
      });
      if (this.everUp) m?.reconnects.inc({ peer: this.address });
      this.everUp = true;
      m?.up.set({ side: 'out', peer: this.address }, 1);
      this.deps.log?.info({ peer: this.address }, 'peer link up');
      this.scheduleRenewal(token);
    });
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('error', (err) => (problem = err.message));
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.down(problem || `closed by the peer (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
    });
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.lastHeard = performance.now();
    const m = this.deps.metrics;
    m?.messages.inc({ direction: 'in' });
    m?.bytes.inc({ direction: 'in' }, data.length);
    try {
      if (!isBinary) throw new FrameError(1007, 'text message');
      const frames = decodeFrames(data, MAX_REPLY_BYTES);
      m?.frames.inc({ direction: 'in' }, frames.length);
      for (const f of frames) {
        if (f.kind !== FRAME_REPLY) throw new FrameError(1007, 'only replies travel to the dialing side');
        const p = this.pending.get(f.id);
        if (!p) continue; // timed out already
        this.pending.delete(f.id);
        clearTimeout(p.timer);
        let body: unknown;
        try {
          body = parseBody(f.body);
        } catch {
          p.done({ ok: true, status: 502, body: { error: 'BAD_RESPONSE', message: 'response is not JSON' } });
          continue;
        }
        p.done({ ok: true, status: f.status, body });
      }
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.deps.log?.warn({ peer: this.address, reason: err.message }, 'malformed frame from peer: closing the link');
      this.ws?.close(err.closeCode, err.message.slice(0, 120));
    }
  }

  private scheduleRenewal(token: string): void {
    this.tokenExpMs = expOf(token);
    const inMs = Math.max(200, (this.tokenExpMs - Date.now()) / 2);
    this.renewTimer = setTimeout(() => void this.renew(), inMs);
    this.renewTimer.unref();
  }

  /** Sends a fresher token before the current one expires (the server closes the link otherwise). */
  private async renew(): Promise<void> {
    if (this.state !== 'up') return;
    let token = await this.deps.tokens.get().catch(() => '');
    if (token && expOf(token) <= this.tokenExpMs) {
      this.deps.tokens.invalidate();
      token = await this.deps.tokens.get().catch(() => '');
    }
    if (this.state !== 'up' || !this.writer) return;
    if (!token) {
      this.renewTimer = setTimeout(() => void this.renew(), 500);
      return;
    }
    this.writer.push(encodeToken(token));
    this.scheduleRenewal(token);
  }

  private down(why: string): void {
    const wasUp = this.state === 'up';
    this.clearTimers();
    this.ws = null;
    this.writer = null;
    this.failAll(`peer link lost: ${why}`);
    this.deps.metrics?.up.set({ side: 'out', peer: this.address }, 0);
    if (this.state === 'closed') return;
    if (wasUp || why !== this.lastProblem) this.deps.log?.info({ peer: this.address, why }, wasUp ? 'peer link down' : 'peer link not available');
    this.lastProblem = why;
    if (Date.now() - this.lastUse > IDLE_MS) {
      this.state = 'idle';
      return;
    }
    this.state = 'backoff';
    this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs ? this.backoffMs * 2 : BACKOFF_MIN_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.state === 'backoff') void this.connect();
    }, this.backoffMs * (0.75 + Math.random() / 2));
    this.retryTimer.unref();
  }

  private failAll(why: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.done({ ok: false, unreachable: why });
    }
  }

  private clearTimers(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.renewTimer = this.retryTimer = null;
  }
}

function expOf(token: string): number {
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}
