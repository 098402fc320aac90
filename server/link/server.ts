// The accepting end of peer links: `GET /peer/link` upgraded to a WebSocket on the node's HTTP
// port. The peer JWT is checked at upgrade (as for REST: 401 with the same codes, 403
// NOT_A_MEMBER), then must be renewed by a token frame before it expires; a link whose token
// lapses or fails, or whose peer stops being a member, is closed. Request frames are served
// by the REST handlers (dispatch.ts) and answered in any order as they finish (pipelined).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeJwt } from 'jose';
import { verifyAuthorization } from '../security/jwt.ts';
import { FRAME_REQUEST, FRAME_TOKEN, FrameError, MAX_FRAME_BYTES, MAX_MESSAGE_BYTES, decodeFrames, encodeReply, type Frame } from './frames.ts';
import { FrameWriter } from './writer.ts';
import type { Dispatch } from './dispatch.ts';
import type { Logger } from '../log.ts';
import type { LinkMetrics } from './metrics.ts';

export const LINK_PATH = '/peer/link';

/** Close codes (4xxx: application). */
export const CLOSE = { expired: 4001, notMember: 4003, tooLarge: 1009, malformed: 1007, goingAway: 1001 } as const;

export interface LinkServerDeps {
  log: Logger;
  metrics: LinkMetrics;
  jwtKey: Uint8Array;
  clusterId: () => string;
  isMember: (id: string) => boolean;
  dispatch: Dispatch;
  maxFrameBytes?: number;
}

interface Session {
  ws: WebSocket;
  peer: string;
  writer: FrameWriter;
  expiry: NodeJS.Timeout | null;
}

export class LinkServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false });
  private readonly sessions = new Set<Session>();
  private readonly maxFrameBytes: number;
  private stopped = false;

  constructor(private readonly deps: LinkServerDeps) {
    this.maxFrameBytes = deps.maxFrameBytes ?? MAX_FRAME_BYTES;
  }

  /** Handles an HTTP upgrade for LINK_PATH (authentication first, then the WebSocket). */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.stopped) return refuse(socket, 503, 'UNAVAILABLE', 'node is stopping');
    void verifyAuthorization(req.headers.authorization, this.deps.jwtKey, this.deps.clusterId()).then((auth) => {
      if (!auth.ok) {
        this.deps.metrics.refusals.inc({ code: auth.code });
        return refuse(socket, 401, auth.code, auth.message);
      }
      if (!this.deps.isMember(auth.serverId)) {
        this.deps.metrics.refusals.inc({ code: 'NOT_A_MEMBER' });
        return refuse(socket, 403, 'NOT_A_MEMBER', `${auth.serverId} is not a member of this cluster`);
      }
      if (socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, auth.serverId, tokenExp(req.headers.authorization)));
    });
  }

  /** Closes the links of every peer that is no longer a member (call on membership changes). */
  recheck(): void {
    for (const s of this.sessions) if (!this.deps.isMember(s.peer)) this.close(s, CLOSE.notMember, `${s.peer} is no longer a member`);
  }

  closePeer(id: string, reason = 'closed by this node'): void {
    for (const s of this.sessions) if (s.peer === id) this.close(s, CLOSE.notMember, reason);
  }

  /** Peers with an accepted link open now. */
  peers(): string[] {
    return [...this.sessions].map((s) => s.peer);
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sessions) this.close(s, CLOSE.goingAway, 'node stopping');
    this.wss.close();
  }

  private accept(ws: WebSocket, peer: string, expMs: number | null): void {
    const m = this.deps.metrics;
    const s: Session = {
      ws,
      peer,
      expiry: null,
      writer: new FrameWriter(ws, (frames, bytes) => {
        m.frames.inc({ direction: 'out' }, frames);
        m.messages.inc({ direction: 'out' });
        m.bytes.inc({ direction: 'out' }, bytes);
      }),
    };
    this.sessions.add(s);
    m.up.set({ side: 'in', peer }, 1);
    this.armExpiry(s, expMs);
    this.deps.log.info({ peer }, 'peer link accepted');
    ws.on('message', (data, isBinary) => this.onMessage(s, data as Buffer, isBinary));
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the link itself (1009 for a message over maxPayload, 1002 for a protocol error).
      const tooLarge = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
      m.closes.inc({ side: 'in', reason: tooLarge ? 'tooLarge' : 'error' });
      this.deps.log.warn({ peer, err: err.message }, tooLarge ? 'closing peer link: frame too large' : 'closing peer link: WebSocket error');
    });
    ws.on('close', (code, reason) => {
      if (s.expiry) clearTimeout(s.expiry);
      this.sessions.delete(s);
      if (![...this.sessions].some((o) => o.peer === peer)) m.up.set({ side: 'in', peer }, 0);
      this.deps.log.info({ peer, code, reason: reason.toString() }, 'peer link closed');
    });
  }

  private armExpiry(s: Session, expMs: number | null): void {
    if (s.expiry) clearTimeout(s.expiry);
    // verifyAuthorization refuses tokens without exp, so expMs is known for an accepted one.
    const left = Math.max(0, (expMs ?? Date.now()) - Date.now());
    s.expiry = setTimeout(() => this.close(s, CLOSE.expired, 'token expired without renewal'), left);
    s.expiry.unref();
  }

  private onMessage(s: Session, data: Buffer, isBinary: boolean): void {
    const m = this.deps.metrics;
    m.messages.inc({ direction: 'in' });
    m.bytes.inc({ direction: 'in' }, data.length);
    if (!isBinary) return this.close(s, CLOSE.malformed, 'malformed message: text messages are not link frames');
    let frames: Frame[];
    try {
      frames = decodeFrames(data, this.maxFrameBytes);
    } catch (err) {
      if (err instanceof FrameError) return this.close(s, err.closeCode, err.closeCode === CLOSE.tooLarge ? `frame too large: ${err.message}` : `malformed frame: ${err.message}`);
      throw err;
    }
    m.frames.inc({ direction: 'in' }, frames.length);
    for (const f of frames) {
      if (f.kind === FRAME_TOKEN) this.renew(s, f.token);
      else if (f.kind === FRAME_REQUEST) this.serve(s, f.id, f.path, f.body);
      else return this.close(s, CLOSE.malformed, 'malformed frame: a reply frame sent to the accepting side');
    }
  }

  private renew(s: Session, token: string): void {
    const header = `Bearer ${token}`;
    void verifyAuthorization(header, this.deps.jwtKey, this.deps.clusterId()).then((auth) => {
      if (!auth.ok) return this.close(s, CLOSE.expired, `token renewal refused: ${auth.code}: ${auth.message}`);
      if (auth.serverId !== s.peer) return this.close(s, CLOSE.expired, `token renewal names ${auth.serverId}, the link belongs to ${s.peer}`);
      this.armExpiry(s, tokenExp(header));
    });
  }

  private serve(s: Session, id: number, path: string, raw: Buffer): void {
    if (!this.deps.isMember(s.peer)) return this.close(s, CLOSE.notMember, `${s.peer} is no longer a member`);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        // As REST answers an unparsable body: the framing is intact, the call is refused.
        s.writer.push(encodeReply(id, 400, Buffer.from(JSON.stringify({ error: 'BAD_REQUEST', message: 'body is not JSON' }))));
        return;
      }
    }
    void this.deps.dispatch(path, body, s.peer).then((a) => {
      if (s.ws.readyState !== s.ws.OPEN) return;
      s.writer.push(encodeReply(id, a.status, a.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(a.body))));
    });
  }

  private close(s: Session, code: number, reason: string): void {
    if (s.ws.readyState === s.ws.CLOSED || s.ws.readyState === s.ws.CLOSING) return;
    const level = code === CLOSE.goingAway ? 'info' : 'warn';
    this.deps.log[level]({ peer: s.peer, code, reason }, 'closing peer link');
    this.deps.metrics.closes.inc({ side: 'in', reason: closeReason(code) });
    s.writer.flush();
    s.ws.close(code, reason.slice(0, 120));
    // A peer that does not finish the closing handshake is cut off.
    setTimeout(() => s.ws.terminate(), 1000).unref();
  }
}

function closeReason(code: number): string {
  for (const [k, v] of Object.entries(CLOSE)) if (v === code) return k;
  return String(code);
}

/** exp of a verified Bearer token, in ms. */
function tokenExp(header: string | undefined): number | null {
  try {
    const exp = decodeJwt((header ?? '').trim().slice('Bearer '.length)).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: code, message });
  const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Service Unavailable';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
