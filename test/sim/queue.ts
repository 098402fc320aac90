// A binary min-heap of events ordered by (time, seq): the simulator's virtual clock.
// `seq` breaks ties in insertion order, so equal-time events replay identically. Each
// event knows its slot, so a cancelled timer leaves the heap at once (a dead timer
// would otherwise cost a pop, a comparison per level and an empty turn of the loop).

export interface Timed {
  time: number;
  seq: number;
  /** Slot in the heap (-1 once popped or removed). */
  pos?: number;
}

/** `Omit` that distributes over a union of event kinds. */
export type Unsequenced<T> = T extends unknown ? Omit<T, 'seq' | 'pos'> : never;

export class EventQueue<T extends Timed> {
  private heap: T[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Schedule `ev` (its seq is assigned here; the object itself is stored). */
  push(ev: Unsequenced<T>): T {
    const e = ev as unknown as T;
    e.seq = this.nextSeq++;
    e.pos = this.heap.length;
    this.heap.push(e);
    this.up(e.pos);
    return e;
  }

  peek(): T | undefined {
    return this.heap[0];
  }

  pop(): T | undefined {
    const top = this.heap[0];
    if (top) this.removeAt(0);
    return top;
  }

  /** Unschedule `ev` if it is still waiting. */
  remove(ev: T): void {
    const i = ev.pos ?? -1;
    if (i >= 0 && this.heap[i] === ev) this.removeAt(i);
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const gone = h[i];
    const last = h.pop() as T;
    gone.pos = -1;
    if (i === h.length) return;
    h[i] = last;
    last.pos = i;
    this.down(i);
    this.up(i);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i], h[p])) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l], h[m])) m = l;
      if (r < h.length && less(h[r], h[m])) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i];
    h[i] = h[j];
    h[j] = a;
    h[i].pos = i;
    h[j].pos = j;
  }
}

function less(a: Timed, b: Timed): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
