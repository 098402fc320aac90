// Reads only MQTT fixed headers (type byte + remaining-length varint) as bytes arrive, so a
// connection that declares an oversize packet is closed before any of its body is buffered
// (aedes 1.2 buffers a whole packet before it looks at it). Pure: no I/O, no clock.

export interface FrameLimits {
  /** Largest whole packet (header included) accepted before CONNECT has been read. */
  beforeConnect: number;
  /** Largest whole packet accepted after it. */
  afterConnect: number;
}

export type ScanVerdict = { ok: true } | { ok: false; reason: 'oversize' | 'bad_length' | 'not_connect_first'; declared?: number };

const CONNECT = 1;

export class FrameScanner {
  /** 'type': waiting for a type byte; 'len': reading the varint; 'body': skipping body bytes. */
  private phase: 'type' | 'len' | 'body' = 'type';
  private type = 0;
  private length = 0;
  private multiplier = 1;
  private lenBytes = 0;
  private left = 0;
  private packets = 0;
  private failed: ScanVerdict | null = null;

  constructor(private readonly limits: FrameLimits) {}

  /** True once a whole CONNECT packet has gone by. */
  get connected(): boolean {
    return this.packets > 0;
  }

  /** Feeds the next bytes of the stream; the first bad header fails this and every later call. */
  feed(chunk: Uint8Array): ScanVerdict {
    if (this.failed) return this.failed;
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 'body') {
        const n = Math.min(this.left, chunk.length - i);
        this.left -= n;
        i += n;
        if (this.left === 0) this.endPacket();
        continue;
      }
      const b = chunk[i++];
      if (this.phase === 'type') {
        this.type = b >> 4;
        if (this.packets === 0 && this.type !== CONNECT) return this.fail({ ok: false, reason: 'not_connect_first' });
        this.phase = 'len';
        this.length = 0;
        this.multiplier = 1;
        this.lenBytes = 0;
        continue;
      }
      // The remaining length: up to 4 bytes, 7 bits each, least significant first.
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lenBytes++;
      if (b & 0x80) {
        if (this.lenBytes === 4) return this.fail({ ok: false, reason: 'bad_length' });
        continue;
      }
      const total = 1 + this.lenBytes + this.length;
      const limit = this.packets === 0 ? this.limits.beforeConnect : this.limits.afterConnect;
      if (total > limit) return this.fail({ ok: false, reason: 'oversize', declared: this.length });
      this.left = this.length;
      this.phase = 'body';
      if (this.left === 0) this.endPacket();
    }
    return { ok: true };
  }

  private endPacket(): void {
    this.packets++;
    this.phase = 'type';
  }

  private fail(v: ScanVerdict): ScanVerdict {
    this.failed = v;
    return v;
  }
}
