// A duplex stream that sits between a player's connection (TCP socket or WebSocket stream)
// and aedes. Bytes read are first shown to a FrameScanner, and a bad fixed header destroys
// the connection at once, before the declared body is read, let alone buffered. Bytes
// written by aedes go through to the connection, which is corked for the rest of the
// event-loop turn: the packets of one turn (an update, a hand, an OK, often split in header
// and payload by mqtt-packet) leave in one writev instead of one syscall each.
import { Duplex } from 'node:stream';
import { FrameScanner, type FrameLimits, type ScanVerdict } from './frame-scanner.ts';

export class GuardedStream extends Duplex {
  private readonly scanner: FrameScanner;
  private corked = false;

  constructor(
    private readonly inner: Duplex,
    limits: FrameLimits,
    private readonly onRefused: (v: Exclude<ScanVerdict, { ok: true }>) => void,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new FrameScanner(limits);
    inner.on('data', (chunk: Buffer) => {
      const v = this.scanner.feed(chunk);
      if (!v.ok) {
        this.onRefused(v);
        inner.destroy();
        this.destroy();
        return;
      }
      if (!this.push(chunk)) inner.pause();
    });
    inner.once('end', () => this.push(null));
    inner.once('error', (err) => this.destroy(err));
    inner.once('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.forward([chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.forward(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  /**
   * Hands the chunks to the corked connection and lets aedes go on at once; only a full
   * connection buffer holds it back (until 'drain'). Socket errors destroy both streams.
   */
  private forward(chunks: Buffer[], cb: (err?: Error | null) => void): void {
    const inner = this.inner;
    if (inner.destroyed) return cb();
    if (!this.corked) {
      this.corked = true;
      inner.cork();
      setImmediate(this.flushInner);
    }
    let room = true;
    for (const c of chunks) room = inner.write(c);
    if (room) cb();
    else inner.once('drain', () => cb());
  }

  private readonly flushInner = (): void => {
    if (!this.corked) return;
    this.corked = false;
    if (!this.inner.destroyed) this.inner.uncork();
  };

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // What this turn wrote (a refusing CONNACK, say) leaves before the connection closes.
    this.flushInner();
    if (!this.inner.destroyed) this.inner.destroy();
    cb(err);
  }
}
