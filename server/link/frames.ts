// Peer-link framing (docs/architecture/link.md): a WebSocket binary message carries one or
// more length-delimited frames. Every frame is
//   u32 length of what follows | u8 kind | u32 id | kind-specific header | payload
// request: u16 path length, path (utf-8), JSON body (may be empty = no body)
// reply:   u16 HTTP status, JSON body
// token:   the JWT (utf-8) that renews the link's authentication (id 0)
// Bodies stay JSON text, exactly the bytes a REST call would carry, so a pre-serialised body
// (PeerClient.postRaw) is sent as is and the handlers see what REST gives them.

export const FRAME_REQUEST = 1;
export const FRAME_REPLY = 2;
export const FRAME_TOKEN = 3;

/** Largest frame payload: the REST body limit (docs/design.md §3). Bigger calls take HTTP. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Frame header room on top of the payload (kind, id, path). */
export const FRAME_OVERHEAD = 4 + 1 + 4 + 2 + 1024;
/** Largest WebSocket message: one full frame; smaller frames are coalesced up to it. */
export const MAX_MESSAGE_BYTES = MAX_FRAME_BYTES + FRAME_OVERHEAD;
/** Replies are not capped at the request limit: REST answers any size (64 MiB, as a snapshot body). */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;
const MAX_PATH_BYTES = 1024;

export type Frame =
  | { kind: typeof FRAME_REQUEST; id: number; path: string; body: Buffer }
  | { kind: typeof FRAME_REPLY; id: number; status: number; body: Buffer }
  | { kind: typeof FRAME_TOKEN; token: string };

export class FrameError extends Error {
  constructor(
    /** WebSocket close code: 1009 too large, 1007 malformed. */
    readonly closeCode: 1007 | 1009,
    message: string,
  ) {
    super(message);
  }
}

const EMPTY = Buffer.alloc(0);

/** A request frame as [header, body] (the body bytes are not copied here). */
export function encodeRequest(id: number, path: string, body: Buffer | undefined): Buffer[] {
  const pathBytes = Buffer.byteLength(path, 'utf8');
  if (pathBytes > MAX_PATH_BYTES) throw new FrameError(1007, `path longer than ${MAX_PATH_BYTES} bytes`);
  const b = body ?? EMPTY;
  const h = Buffer.allocUnsafe(4 + 1 + 4 + 2 + pathBytes);
  h.writeUInt32BE(1 + 4 + 2 + pathBytes + b.length, 0);
  h.writeUInt8(FRAME_REQUEST, 4);
  h.writeUInt32BE(id >>> 0, 5);
  h.writeUInt16BE(pathBytes, 9);
  h.write(path, 11, 'utf8');
  return b.length ? [h, b] : [h];
}

export function encodeReply(id: number, status: number, body: Buffer): Buffer[] {
  const h = Buffer.allocUnsafe(4 + 1 + 4 + 2);
  h.writeUInt32BE(1 + 4 + 2 + body.length, 0);
  h.writeUInt8(FRAME_REPLY, 4);
  h.writeUInt32BE(id >>> 0, 5);
  h.writeUInt16BE(status, 9);
  return body.length ? [h, body] : [h];
}

export function encodeToken(token: string): Buffer[] {
  const t = Buffer.from(token, 'utf8');
  const h = Buffer.allocUnsafe(4 + 1 + 4);
  h.writeUInt32BE(1 + 4 + t.length, 0);
  h.writeUInt8(FRAME_TOKEN, 4);
  h.writeUInt32BE(0, 5);
  return [h, t];
}

/** Total bytes of an encoded frame. */
export const frameBytes = (parts: Buffer[]): number => parts.reduce((n, b) => n + b.length, 0);

/**
 * Splits one WebSocket message into frames. Throws FrameError on anything malformed
 * (truncated, unknown kind, a length that overruns the message) or over the size limit;
 * the caller closes the link. Bodies are sub-views of `msg` (no copy).
 */
export function decodeFrames(msg: Buffer, maxFrameBytes = MAX_FRAME_BYTES): Frame[] {
  const out: Frame[] = [];
  let off = 0;
  while (off < msg.length) {
    if (msg.length - off < 4 + 1 + 4) throw new FrameError(1007, `truncated frame header at byte ${off}`);
    const len = msg.readUInt32BE(off);
    if (len > maxFrameBytes + FRAME_OVERHEAD) throw new FrameError(1009, `frame of ${len} bytes exceeds the ${maxFrameBytes}-byte limit`);
    const end = off + 4 + len;
    if (end > msg.length) throw new FrameError(1007, `frame length ${len} overruns the message (${msg.length - off - 4} bytes left)`);
    const kind = msg.readUInt8(off + 4);
    const id = msg.readUInt32BE(off + 5);
    if (kind === FRAME_REQUEST || kind === FRAME_REPLY) {
      if (len < 1 + 4 + 2) throw new FrameError(1007, 'truncated request/reply header');
      const field = msg.readUInt16BE(off + 9);
      if (kind === FRAME_REQUEST) {
        const pathEnd = off + 11 + field;
        if (pathEnd > end) throw new FrameError(1007, 'path overruns the frame');
        const path = msg.toString('utf8', off + 11, pathEnd);
        if (!path.startsWith('/')) throw new FrameError(1007, 'request path must start with /');
        const body = msg.subarray(pathEnd, end);
        if (body.length > maxFrameBytes) throw new FrameError(1009, `request body of ${body.length} bytes exceeds the ${maxFrameBytes}-byte limit`);
        out.push({ kind, id, path, body });
      } else {
        out.push({ kind, id, status: field, body: msg.subarray(off + 11, end) });
      }
    } else if (kind === FRAME_TOKEN) {
      out.push({ kind, token: msg.toString('utf8', off + 9, end) });
    } else {
      throw new FrameError(1007, `unknown frame kind ${kind}`);
    }
    off = end;
  }
  if (out.length === 0) throw new FrameError(1007, 'empty message');
  return out;
}

/** Parses a JSON body (empty = undefined); throws FrameError when it is not JSON. */
export function parseBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new FrameError(1007, 'frame body is not JSON');
  }
}
