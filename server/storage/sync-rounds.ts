// Group commit across files: sync requests made while a round is running or before the
// next turn of the event loop share one round, so a tick that appends to 500 matches
// pays for one batch of fdatasyncs, not 500 separate waits.

export class SyncRounds<K> {
  private next: { keys: Set<K>; done: Promise<void> } | null = null;
  private running: Promise<void> = Promise.resolve();

  /** `syncBatch` makes every given key durable (it may run them concurrently). */
  constructor(private readonly syncBatch: (keys: K[]) => Promise<void>) {}

  /** Resolves once a round that started after this call has synced all `keys`. */
  request(keys: Iterable<K>): Promise<void> {
    if (!this.next) {
      const round = { keys: new Set<K>(), done: Promise.resolve() };
      const start = this.running.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
      round.done = start.then(() => {
        this.next = null; // requests from now on belong to the following round
        return this.syncBatch([...round.keys]);
      });
      this.running = round.done.catch(() => undefined);
      this.next = round;
    }
    for (const key of keys) this.next.keys.add(key);
    return this.next.done;
  }
}

/** Run `task` over `items` with at most `limit` in flight; rejects with the first error. */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < items.length) await task(items[i++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
