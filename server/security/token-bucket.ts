// Token buckets keyed by anything (a player, an address): `capacity` tokens, refilled
// continuously at `perSecond`. Pure: the caller passes the time, so tests and the node agree.
// The map is bounded: buckets that are full again carry no information and are dropped
// first; past `maxKeys` the oldest goes.

export interface BucketSpec {
  capacity: number;
  perSecond: number;
}

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets<K> {
  private readonly buckets = new Map<K, Bucket>();

  constructor(
    readonly spec: BucketSpec,
    private readonly maxKeys = 100_000,
  ) {
    if (!(spec.capacity >= 1) || !(spec.perSecond > 0)) throw new Error(`bad token bucket ${JSON.stringify(spec)}`);
  }

  /** Takes `cost` tokens for `key` at time `nowMs` (ms), or says how long until it could. */
  take(key: K, nowMs: number, cost = 1): Take {
    const b = this.level(key, nowMs);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      this.store(key, b, nowMs);
      return { ok: true };
    }
    this.store(key, b, nowMs);
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(((cost - b.tokens) / this.spec.perSecond) * 1000)) };
  }

  /** Tokens `key` has at `nowMs` (for tests and metrics). */
  tokens(key: K, nowMs: number): number {
    return this.level(key, nowMs).tokens;
  }

  get size(): number {
    return this.buckets.size;
  }

  private level(key: K, nowMs: number): Bucket {
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.spec.capacity, at: nowMs };
    const elapsed = Math.max(0, nowMs - b.at) / 1000;
    return { tokens: Math.min(this.spec.capacity, b.tokens + elapsed * this.spec.perSecond), at: nowMs };
  }

  private store(key: K, b: Bucket, nowMs: number): void {
    this.buckets.delete(key); // re-insert: Map order is "least recently used first"
    this.buckets.set(key, b);
    if (this.buckets.size <= this.maxKeys) return;
    for (const [k, v] of this.buckets) {
      if (this.buckets.size <= this.maxKeys) return;
      if (v.tokens + (Math.max(0, nowMs - v.at) / 1000) * this.spec.perSecond >= this.spec.capacity) this.buckets.delete(k);
    }
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as K);
  }
}
