// An optional CPU profile of the benchmark process itself over its measurement window
// (TRINCA_BENCH_PROF=DIR writes DIR/bench-<pid>.cpuprofile, for Chrome DevTools or speedscope).
// Only this process is profiled; the peers take TRINCA_NODE_OPTIONS (see match-support.ts).
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';

export interface WindowProfile {
  stop(): Promise<string | null>;
}

export async function profileWindow(dir = process.env.TRINCA_BENCH_PROF): Promise<WindowProfile> {
  if (!dir) return { stop: async () => null };
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 500 });
  await s.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await s.post('Profiler.stop');
      s.disconnect();
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `bench-${process.pid}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
