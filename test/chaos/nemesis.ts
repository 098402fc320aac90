// The nemesis: runs the seed's fault plan (plan.ts) against the live cluster, one fault at a
// time, each undone before the next (restart, SIGCONT, heal). It writes every action to the
// history (process "nemesis"), resolves "leader" targets when a step starts, and on stop
// undoes whatever is in force.
import type { ChaosCluster } from './cluster.ts';
import type { History } from './history.ts';
import type { FaultKind, FaultStep, Target } from './plan.ts';

export class Nemesis {
  readonly counts: Record<FaultKind, number> = { kill: 0, pause: 0, partition: 0, truncate: 0 };
  readonly problems: string[] = [];
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly t0 = performance.now();

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly history: History,
    private readonly plan: readonly FaultStep[],
    private readonly log: (s: string) => void,
  ) {}

  private sleep(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /** Runs the plan until it ends or `untilMs` (ms after the nemesis was created) passes. */
  async run(untilMs: number): Promise<void> {
    for (const step of this.plan) {
      if (this.stopping) return;
      const now = performance.now() - this.t0;
      if (step.at + step.durationMs > untilMs) return;
      await this.sleep(step.at - now);
      if (this.stopping) return;
      try {
        await this.execute(step);
      } catch (err) {
        this.problems.push(`${step.kind}: ${(err as Error).message}`);
        this.history.nemesis('error', { kind: step.kind, error: (err as Error).message.slice(0, 500) });
      }
    }
  }

  /** Stops after the current step (cut short) and undoes every fault in force. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
  }

  private async resolve(t: Target): Promise<number> {
    if (t !== 'leader') return t;
    return (await this.cluster.leader()) ?? 0;
  }

  private async execute(step: FaultStep): Promise<void> {
    const peers = this.cluster.peers;
    const n = peers.length;
    this.counts[step.kind]++;
    switch (step.kind) {
      case 'kill':
      case 'truncate': {
        const i = await this.resolve(step.target);
        const p = peers[i];
        await p.kill9();
        let torn: unknown = null;
        if (step.kind === 'truncate') torn = p.tearWal(step.truncateBytes ?? 8);
        this.history.nemesis(step.kind, { peer: p.id, downMs: step.durationMs, ...(torn ? { wal: torn } : {}) });
        this.log(`nemesis: ${step.kind} ${p.id}${torn ? ` ${JSON.stringify(torn)}` : ''}`);
        await this.sleep(step.durationMs);
        await this.restart(i);
        break;
      }
      case 'pause': {
        const i = await this.resolve(step.target);
        const p = peers[i];
        p.pause();
        this.history.nemesis('pause', { peer: p.id, ms: step.durationMs });
        this.log(`nemesis: pause ${p.id} ${step.durationMs} ms`);
        try {
          await this.sleep(step.durationMs);
        } finally {
          p.resume();
          this.history.nemesis('resume', { peer: p.id });
        }
        break;
      }
      case 'partition': {
        const pairs: [number, number][] = [];
        const both = (a: number, b: number) => pairs.push([a, b], [b, a]);
        const target = await this.resolve(step.target);
        let groups: number[][];
        if (step.shape === 'one-way') {
          let to = (step.dropTo ?? []).filter((x) => x !== target);
          if (to.length === 0) to = [...Array(n).keys()].filter((x) => x !== target);
          for (const b of to) pairs.push([target, b]);
          groups = [[target], to];
        } else if (step.shape === 'bridge') {
          const a = (step.minority ?? []).map((x) => (x === 'leader' ? target : x)).filter((x) => x !== target);
          const b = [...Array(n).keys()].filter((x) => x !== target && !a.includes(x));
          for (const x of a) for (const y of b) both(x, y);
          groups = [a, [target], b];
        } else {
          const minority = new Set<number>();
          for (const m of step.minority ?? [target]) minority.add(m === 'leader' ? target : m);
          // A resolved "leader" may coincide with another minority member: keep the size.
          for (let k = 0; minority.size < (step.minority?.length ?? 1) && k < n; k++) minority.add(k);
          for (const x of minority) for (let y = 0; y < n; y++) if (!minority.has(y)) both(x, y);
          groups = [[...minority], [...Array(n).keys()].filter((y) => !minority.has(y))];
        }
        const names = groups.map((g) => g.map((x) => peers[x].id));
        this.history.nemesis('partition', { shape: step.shape, groups: names, drops: pairs.map(([a, b]) => `${peers[a].id}->${peers[b].id}`), ms: step.durationMs });
        this.log(`nemesis: partition ${step.shape} ${JSON.stringify(names)} ${step.durationMs} ms`);
        await this.cluster.network.cut(pairs);
        try {
          await this.sleep(step.durationMs);
        } finally {
          await this.cluster.network.heal();
          this.history.nemesis('heal', {});
        }
        break;
      }
    }
  }

  private async restart(i: number): Promise<void> {
    const p = this.cluster.peers[i];
    for (let attempt = 1; ; attempt++) {
      try {
        await p.start(30_000);
        this.history.nemesis('restart', { peer: p.id, attempt });
        return;
      } catch (err) {
        const msg = (err as Error).message.slice(0, 800);
        this.history.nemesis('restart-failed', { peer: p.id, attempt, error: msg });
        this.log(`nemesis: restart of ${p.id} failed (attempt ${attempt}): ${msg}`);
        if (attempt === 1) this.problems.push(`restart of ${p.id} failed: ${msg}`);
        if (attempt >= 5) throw new Error(`${p.id} does not start again: ${msg}`, { cause: err });
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  /** Undoes every fault: SIGCONT, links healed, dead peers restarted. */
  async healAll(): Promise<void> {
    for (const p of this.cluster.peers) p.resume();
    await this.cluster.network.heal();
    for (let i = 0; i < this.cluster.peers.length; i++) {
      if (!this.cluster.peers[i].up) await this.restart(i).catch((err: Error) => this.problems.push(err.message));
    }
    this.history.nemesis('healed', {});
  }
}
