import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptionError } from './errors.ts';
import { encodeRecords } from './record-codec.ts';
import { RecordWriter, readRecordFile } from './record-file.ts';
import { useTempDirs } from './tmp-dir.testutil.ts';

const tempDir = useTempDirs();

describe('record files', () => {
  it('appends batches with one write each and reads them back', async () => {
    const path = join(await tempDir(), 'r.log');
    const w = await RecordWriter.open(path, { size: 0, create: true, dsync: true });
    w.append([{ n: 1 }, { n: 2 }]);
    const pending = w.size;
    await w.flush(true);
    w.append([{ n: 3 }]);
    // Concurrent flushes: the second finds its data already written by the first.
    await Promise.all([w.flush(true), w.flush(true)]);
    await w.close();
    expect((await stat(path)).size).toBe(w.size);
    expect(pending).toBe(encodeRecords([{ n: 1 }, { n: 2 }]).length);
    expect((await readRecordFile(path)).values).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('truncates a torn tail on disk so later appends follow the valid prefix', async () => {
    const path = join(await tempDir(), 'r.log');
    const good = encodeRecords([{ n: 1 }, { n: 2 }]);
    await writeFile(path, Buffer.concat([good, encodeRecords([{ n: 3 }]).subarray(0, 5)]));
    const rec = await readRecordFile(path);
    expect(rec.values).toEqual([{ n: 1 }, { n: 2 }]);
    expect(rec.torn).toBe('short record header');
    expect((await stat(path)).size).toBe(good.length);

    const w = await RecordWriter.open(path, { size: rec.size, dsync: false });
    w.append([{ n: 4 }]);
    await w.close();
    expect((await readRecordFile(path)).values).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
  });

  it('recovers the prefix when garbage was appended', async () => {
    const path = join(await tempDir(), 'r.log');
    await writeFile(path, encodeRecords([{ n: 1 }]));
    await appendFile(path, Buffer.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect((await readRecordFile(path)).values).toEqual([{ n: 1 }]);
  });

  it('stops with CorruptionError on damage before the tail and leaves the file alone', async () => {
    const path = join(await tempDir(), 'r.log');
    const buf = encodeRecords([{ n: 1 }, { n: 2 }, { n: 3 }]);
    buf[10] ^= 1;
    await writeFile(path, buf);
    await expect(readRecordFile(path)).rejects.toThrow(CorruptionError);
    await expect(readRecordFile(path)).rejects.toThrow(path);
    expect(await readFile(path)).toEqual(buf);
  });

  it('reads an empty file as no records', async () => {
    const path = join(await tempDir(), 'r.log');
    await writeFile(path, encodeRecords([{ n: 1 }]));
    await truncate(path, 0);
    expect(await readRecordFile(path)).toEqual({ values: [], offsets: [], size: 0, torn: null });
  });

  it('refuses to create over an existing file', async () => {
    const path = join(await tempDir(), 'r.log');
    await writeFile(path, '');
    await expect(RecordWriter.open(path, { size: 0, create: true })).rejects.toThrow(/EEXIST/);
  });
});
