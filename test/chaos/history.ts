// Writes the history as JSON lines, one synchronous write per line (a crash of the campaign
// keeps every line written so far).
import fs from 'node:fs';
import type { HistoryEntry, OpType } from './types.ts';

export class History {
  private fd: number;
  private index = 0;
  private opSeq = 0;
  private readonly t0 = performance.now();
  readonly counts = { invoke: 0, ok: 0, fail: 0, info: 0, event: 0 };

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  now(): number {
    return Math.round(performance.now() - this.t0);
  }

  private write(e: Omit<HistoryEntry, 'index' | 'time'>): void {
    const line: HistoryEntry = { index: this.index++, time: this.now(), ...e };
    fs.writeSync(this.fd, JSON.stringify(line) + '\n');
    if (e.process !== 'nemesis') this.counts[e.type]++;
  }

  /** Starts an operation; returns its id for the completion. */
  invoke(process: string, f: string, value: Record<string, unknown>): number {
    const op = ++this.opSeq;
    this.write({ process, type: 'invoke', f, op, value });
    return op;
  }

  complete(process: string, op: number, f: string, type: Exclude<OpType, 'invoke'>, value: Record<string, unknown> = {}): void {
    this.write({ process, type, f, op, value });
  }

  event(process: string, f: string, value: Record<string, unknown>): void {
    this.write({ process, type: 'event', f, value });
  }

  nemesis(f: string, value: Record<string, unknown>): void {
    this.write({ process: 'nemesis', type: 'info', f, value });
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
