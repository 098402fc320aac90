// WAL micro-benchmark: RaftStorage.save() with sync, one Ready-sized batch per call, the
// way the Raft driver uses it. Prints one JSON object.
//   npx tsx bench/wal.ts [--batch 1] [--saves 5000] [--bytes 128] [--dir DIR]
// fsync_p50_ms / fsync_p99_ms are the latency of a whole save() (encode + write + sync);
// raw_fdatasync_* time a bare async pwrite + fdatasync of the same bytes, for scale.
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Entry } from '../server/raft/core/types.ts';
import { encodeRecords } from '../server/storage/record-codec.ts';
import { RaftStorage } from '../server/storage/raft-storage.ts';

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '1' },
    saves: { type: 'string', default: '5000' },
    bytes: { type: 'string', default: '128' },
    dir: { type: 'string' },
  },
});
const batch = Number(args.batch);
const saves = Number(args.saves);
const payload = 'x'.repeat(Number(args.bytes));

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const round = (ms: number): number => Math.round(ms * 1000) / 1000;

async function benchSave(dir: string): Promise<{ perSecond: number; latencies: number[] }> {
  const storage = await RaftStorage.open(dir);
  const latencies: number[] = [];
  let index = 0;
  const start = performance.now();
  for (let i = 0; i < saves; i++) {
    const entries: Entry[] = Array.from({ length: batch }, () => ({ index: ++index, term: 1, kind: 'command', data: { payload } }));
    const t = performance.now();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: index - batch }, entries }, true);
    latencies.push(performance.now() - t);
  }
  const perSecond = (saves * batch * 1000) / (performance.now() - start);
  await storage.close();
  return { perSecond, latencies: latencies.sort((a, b) => a - b) };
}

async function benchRaw(dir: string, bytes: number): Promise<number[]> {
  const fd = fs.openSync(join(dir, 'raw'), 'w');
  const buf = Buffer.alloc(bytes, 'x');
  const latencies: number[] = [];
  for (let i = 0; i < Math.min(saves, 2000); i++) {
    const t = performance.now();
    await new Promise<void>((resolve, reject) =>
      fs.write(fd, buf, 0, buf.length, i * bytes, (err) =>
        err ? reject(err) : fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())),
      ),
    );
    latencies.push(performance.now() - t);
  }
  fs.closeSync(fd);
  return latencies.sort((a, b) => a - b);
}

const dir = args.dir ?? (await mkdtemp(join(tmpdir(), 'trinca-bench-wal-')));
try {
  const batchBytes = encodeRecords(Array.from({ length: batch }, (_, k) => ({ e: { index: k, term: 1, kind: 'command', data: { payload } } }))).length;
  const raw = await benchRaw(dir, batchBytes);
  const { perSecond, latencies } = await benchSave(join(dir, 'raft'));
  console.log(
    JSON.stringify({
      appends_per_s: Math.round(perSecond),
      batch,
      fsync_p50_ms: round(percentile(latencies, 0.5)),
      fsync_p99_ms: round(percentile(latencies, 0.99)),
      raw_fdatasync_p50_ms: round(percentile(raw, 0.5)),
      raw_fdatasync_p99_ms: round(percentile(raw, 0.99)),
      batch_bytes: batchBytes,
      saves,
    }),
  );
} finally {
  if (!args.dir) await rm(dir, { recursive: true, force: true });
}
