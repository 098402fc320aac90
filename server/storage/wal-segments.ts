// WAL segment files: `<seq>-<firstIndex>.wal`, both zero-padded to 20 digits so a plain
// directory listing sorts them. `seq` counts segments; `firstIndex` is the index of the
// first entry the segment was opened for (informational: an overwrite may write lower).
import { join } from 'node:path';
import { CorruptionError } from './errors.ts';
import { nodeIo, type FileIo } from './fd-io.ts';

export interface SegmentFile {
  seq: number;
  firstIndex: number;
  path: string;
}

const NAME = /^(\d{20})-(\d{20})\.wal$/;

export function segmentFileName(seq: number, firstIndex: number): string {
  return `${String(seq).padStart(20, '0')}-${String(firstIndex).padStart(20, '0')}.wal`;
}

/** Segments in `walDir`, oldest first. A hole in the sequence means a lost file. */
export async function listSegments(walDir: string, io: FileIo = nodeIo): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await io.readdir(walDir)) {
    const m = NAME.exec(name);
    if (m) segments.push({ seq: Number(m[1]), firstIndex: Number(m[2]), path: join(walDir, name) });
  }
  segments.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segments.length; i++) {
    if (segments[i].seq !== segments[i - 1].seq + 1) {
      throw new CorruptionError(segments[i].path, 0, `WAL segment ${segments[i - 1].seq + 1} is missing`);
    }
  }
  return segments;
}
