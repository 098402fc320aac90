// Errors the node turns into "stop with one clear line" (docs/design.md §2, §10).

/** Damaged data that recovery must not guess about. */
export class CorruptionError extends Error {
  override readonly name = 'CorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`storage corruption in ${file} at byte ${offset}: ${reason}`);
  }
}

/**
 * A write or sync failed earlier. After a failed fsync the page cache can no longer be
 * trusted (PostgreSQL's "fsyncgate"), so the store refuses further work; restarting runs
 * recovery from what is really on disk.
 */
export class StorageFailedError extends Error {
  override readonly name = 'StorageFailedError';
  constructor(what: string, cause: unknown) {
    super(`${what} is unusable after a failed write: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}
