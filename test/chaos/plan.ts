// The nemesis's fault plan: a pure function of (seed, duration, peers). The real system is
// not deterministic (threads, timers, the kernel), but what the nemesis does and when is:
// the same seed always plans the same faults, in the same order, at the same offsets, with
// the same targets and durations ("leader" is resolved when the step runs).
import { createHash } from 'node:crypto';
import { Rng } from '../sim/rng.ts';

export type FaultKind = 'kill' | 'pause' | 'partition' | 'truncate';
export type PartitionShape = 'isolate' | 'majority-minority' | 'one-way' | 'bridge';
/** A peer by index (0-based), or whichever peer leads Raft when the step starts. */
export type Target = number | 'leader';

export interface FaultStep {
  /** Planned start, ms after the nemesis starts (a step never starts before it). */
  at: number;
  kind: FaultKind;
  /** kill / pause / truncate: the victim; partition: the isolated (or dropping) peer where the shape has one. */
  target: Target;
  /** How long the peer stays dead / paused, or the partition lasts. */
  durationMs: number;
  /** partition: its shape and the peers on the minority side (indices; 'leader' resolved at run time). */
  shape?: PartitionShape;
  minority?: Target[];
  /** one-way: packets from `target` to these peers are dropped (the other direction flows). */
  dropTo?: number[];
  /** truncate: bytes cut from the end of the last WAL segment (a torn last write). */
  truncateBytes?: number;
}

export interface PlanOptions {
  seed: number;
  durationMs: number;
  peers: number;
  /** Quiet time before the first fault (the cluster warms up, bots register). */
  warmupMs?: number;
  /** Quiet time kept at the end before healing. */
  cooldownMs?: number;
}

const WEIGHTS: [FaultKind, number][] = [
  ['kill', 25],
  ['pause', 20],
  ['partition', 35],
  ['truncate', 20],
];

function weighted<T>(rng: Rng, items: [T, number][]): T {
  const total = items.reduce((a, [, w]) => a + w, 0);
  let x = rng.next() * total;
  for (const [v, w] of items) if ((x -= w) < 0) return v;
  return items[items.length - 1][0];
}

export function planFaults(o: PlanOptions): FaultStep[] {
  const rng = new Rng(o.seed ^ 0x6e656d65); // "neme"
  const warmup = o.warmupMs ?? 4000;
  const end = o.durationMs - (o.cooldownMs ?? 3000);
  const steps: FaultStep[] = [];
  const target = (): Target => (rng.chance(0.45) ? 'leader' : rng.int(o.peers));
  let t = warmup;
  while (t < end) {
    const kind = weighted(rng, WEIGHTS);
    let step: FaultStep;
    switch (kind) {
      case 'kill':
        step = { at: t, kind, target: target(), durationMs: rng.range(500, 4000) };
        break;
      case 'pause':
        // Longer than the election timeout (0.6–1.2 s ticks, up to ~2 s under load): > 2 s.
        step = { at: t, kind, target: target(), durationMs: rng.range(2200, 6000) };
        break;
      case 'truncate':
        step = { at: t, kind, target: target(), durationMs: rng.range(500, 3000), truncateBytes: rng.range(1, 24) };
        break;
      case 'partition': {
        const shapes: [PartitionShape, number][] = [
          ['isolate', 35],
          ['majority-minority', 25],
          ['one-way', 25],
        ];
        if (o.peers >= 5) shapes.push(['bridge', 15]);
        const shape = weighted(rng, shapes);
        const durationMs = rng.range(2500, 10_000);
        if (shape === 'isolate') {
          step = { at: t, kind, shape, target: target(), durationMs, minority: [] };
          step.minority = [step.target];
        } else if (shape === 'majority-minority') {
          const size = Math.floor((o.peers - 1) / 2);
          const order = rng.shuffle([...Array(o.peers).keys()]);
          const minority: Target[] = order.slice(0, size);
          if (rng.chance(0.5)) minority[0] = 'leader';
          step = { at: t, kind, shape, target: minority[0], durationMs, minority };
        } else if (shape === 'one-way') {
          const from = target();
          const others = [...Array(o.peers).keys()];
          const dropTo = rng.shuffle(others).slice(0, rng.range(1, o.peers - 1));
          step = { at: t, kind, shape, target: from, durationMs, dropTo };
        } else {
          // Bridge (Jepsen): two halves that only the bridge node connects.
          const order = rng.shuffle([...Array(o.peers).keys()]);
          step = { at: t, kind, shape, target: order[0], durationMs, minority: order.slice(1, 1 + Math.floor((o.peers - 1) / 2)) };
        }
        break;
      }
    }
    steps.push(step);
    // The next fault starts after this one healed and the cluster had a moment to recover.
    t += step.durationMs + rng.range(1500, 4500) + (kind === 'kill' || kind === 'truncate' ? 1500 : 0);
  }
  return steps;
}

/** A short fingerprint of a plan (printed with the summary; equal seeds give equal hashes). */
export function planHash(steps: readonly FaultStep[]): string {
  return createHash('sha256').update(JSON.stringify(steps)).digest('hex').slice(0, 16);
}

export function countFaults(steps: readonly Pick<FaultStep, 'kind'>[]): Record<FaultKind, number> {
  const c: Record<FaultKind, number> = { kill: 0, pause: 0, partition: 0, truncate: 0 };
  for (const s of steps) c[s.kind]++;
  return c;
}
