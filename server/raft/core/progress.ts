// What a leader knows about one follower (etcd's tracker.Progress). Three states:
//  probe     — we do not know where the follower's log ends: one append in flight at a
//              time, backing `next` off on rejection;
//  replicate — the follower is in step: appends are pipelined optimistically, `next`
//              advanced on send, with at most `maxInflight` messages outstanding;
//  snapshot  — the entries it needs were compacted: a snapshot is on its way, appends wait.

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Probe state: an append is in flight; wait for its answer or the next heartbeat. */
  probeSent = false;
  /** Snapshot state: the index of the snapshot sent, and heartbeats since it was sent. */
  pendingSnapshot = 0;
  snapshotAge = 0;
  /** Replicate state: last index of each append in flight, oldest first. */
  inflights: number[] = [];
  /** Heartbeats during which appends were in flight and `match` did not move. */
  stalled = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** leaderCommit carried by the last append sent (to know when to push a new commit). */
  sentCommit = 0;
  /**
   * Index of the config entry that removed this node (0 while a member). The leader keeps
   * replicating to a departing node until it holds that entry, so it learns it was
   * removed and stops campaigning.
   */
  departing = 0;

  constructor(next: number) {
    this.next = next;
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least the snapshot's index.
    const from = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.state = 'probe';
    this.next = from + 1;
    this.resetFlow();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.resetFlow();
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.resetFlow();
  }

  private resetFlow(): void {
    this.probeSent = false;
    this.inflights.length = 0;
    this.stalled = 0;
    this.snapshotAge = 0;
    if (this.state !== 'snapshot') this.pendingSnapshot = 0;
  }

  /** A success acknowledged `n`; false when it tells us nothing new. */
  maybeUpdate(n: number): boolean {
    this.probeSent = false;
    if (n <= this.match) return false;
    this.match = n;
    if (this.next < n + 1) this.next = n + 1;
    this.stalled = 0;
    let k = 0;
    while (k < this.inflights.length && this.inflights[k] <= n) k++;
    if (k > 0) this.inflights.splice(0, k);
    return true;
  }

  /**
   * The follower rejected an append at `rejected` and hints `hint` as where to retry.
   * Returns false for a stale rejection (a reordered or duplicated answer), which must
   * not move `next` back.
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.becomeProbe();
      this.next = Math.max(this.match + 1, Math.min(hint, rejected));
      return true;
    }
    if (this.state === 'snapshot') return false;
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(this.match + 1, Math.min(hint, rejected));
    this.probeSent = false;
    return true;
  }

  /** Sent an append whose last entry is `last` (replicate state pipelines it). */
  sentEntries(last: number): void {
    if (this.state === 'replicate') {
      this.next = last + 1;
      this.inflights.push(last);
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  isPaused(maxInflight: number): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.length >= maxInflight;
      case 'snapshot':
        return true;
    }
  }
}
