// One whole-log rewrite of a match at a time on this node. Two paths replace a match's log
// from scratch (delete, then append the whole log): /game/start (a host seeds this node as
// its shadow) and adopt (the reconcile loop rebuilds a runtime after a restart or a missed
// /game/start). Run at once, their deletes and appends interleave in the store and the file
// ends up holding the log twice ([1, 2, 1, 2]: seen by the chaos campaign). Each takes this
// lock, and re-reads the runtimes map inside it, so the second one sees the first's work.
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `job` once every earlier job for `key` has settled (whatever their outcome). */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(job, job);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a job queued or running (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
