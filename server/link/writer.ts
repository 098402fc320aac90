// Coalescing: every frame queued during one turn of the event loop leaves in one
// WebSocket message (split only at MAX_MESSAGE_BYTES), so a burst of calls costs one
// ws.send and one socket write instead of one per call.
import type { WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from './frames.ts';

export class FrameWriter {
  private parts: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly onSent: (frames: number, bytes: number) => void,
  ) {}

  private frames = 0;

  push(frame: Buffer[]): void {
    let n = 0;
    for (const b of frame) n += b.length;
    if (this.bytes + n > MAX_MESSAGE_BYTES && this.bytes > 0) this.flush();
    for (const b of frame) this.parts.push(b);
    this.bytes += n;
    this.frames++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Bytes handed to the socket and not yet written (back-pressure signal). */
  get buffered(): number {
    return this.ws.bufferedAmount + this.bytes;
  }

  flush(): void {
    this.scheduled = false;
    if (this.bytes === 0) return;
    const msg = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.bytes);
    const frames = this.frames;
    this.parts = [];
    this.bytes = 0;
    this.frames = 0;
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(msg, { binary: true });
    this.onSent(frames, msg.length);
  }
}
