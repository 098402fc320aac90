// A duplex stream that sits between a player's connection (TCP socket or WebSocket stream)
// and aedes: bytes written by aedes go straight through; bytes read are first shown to a
// FrameScanner, and a bad fixed header destroys the connection at once, before the
// declared body is read, let alone buffered.
import { Duplex } from 'node:stream';
import { FrameScanner, type FrameLimits, type ScanVerdict } from './frame-scanner.ts';

export class GuardedStream extends Duplex {
  private readonly scanner: FrameScanner;

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
    if (this.inner.destroyed) return cb();
    this.inner.write(chunk, (err) => cb(err ?? null));
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.inner.destroyed) this.inner.destroy();
    cb(err);
  }
}
