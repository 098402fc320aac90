// Tools for the abuse tests: raw MQTT packets written byte by byte (so a test can declare
// lengths a real client never would), raw sockets, and a node process's resident memory.
import fs from 'node:fs';
import net from 'node:net';

/** MQTT's remaining-length varint. */
export function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

/** A whole MQTT 3.1.1 CONNECT (clean session, username and password). */
export function connectPacket(clientId: string, username: string, password: string, keepaliveS = 0): Buffer {
  const ka = Buffer.alloc(2);
  ka.writeUInt16BE(keepaliveS);
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2]), ka, str(clientId), str(username), str(password)]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

/** A QoS 0 PUBLISH. */
export function publishPacket(topic: string, payload: Buffer | string, opts: { retain?: boolean } = {}): Buffer {
  const body = Buffer.concat([str(topic), Buffer.isBuffer(payload) ? payload : Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30 | (opts.retain ? 1 : 0)]), varint(body.length), body]);
}

/** A SUBSCRIBE of one topic at QoS 0. */
export function subscribePacket(topic: string, id = 1): Buffer {
  const pid = Buffer.alloc(2);
  pid.writeUInt16BE(id);
  const body = Buffer.concat([pid, str(topic), Buffer.from([0])]);
  return Buffer.concat([Buffer.from([0x82]), varint(body.length), body]);
}

/** Resident memory of a process, in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

export interface RawConn {
  socket: net.Socket;
  received: Buffer[];
  closed: Promise<number>;
  isClosed(): boolean;
}

/** A raw TCP connection; `closed` resolves with the time (performance.now) it closed. */
export async function rawConnect(port: number): Promise<RawConn> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const received: Buffer[] = [];
  let closedAt: number | null = null;
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve((closedAt = performance.now()))));
  return { socket, received, closed, isClosed: () => closedAt !== null };
}

/**
 * Streams `total` bytes of filler in 64 KiB writes while the connection stays open;
 * resolves with how many bytes were written before it closed (or `total`).
 */
export async function streamUntilClosed(c: RawConn, total: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  while (sent < total && !c.isClosed() && !c.socket.destroyed) {
    const ok = c.socket.write(chunk);
    sent += chunk.length;
    if (!ok) await Promise.race([new Promise((r) => c.socket.once('drain', r)), c.closed]);
  }
  return sent;
}

/** Resolves true if `p` settles within `ms`. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), ms)))]);
  clearTimeout(timer);
  return r;
}
