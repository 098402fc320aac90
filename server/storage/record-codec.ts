// The record format shared by the WAL, match logs and snapshots:
//   [u32 LE payload length][u32 LE crc32(payload)][payload: JSON, utf8]
// Pure buffer code; the file I/O lives in record-file.ts.
import { crc32 } from 'node:zlib';
import { CorruptionError } from './errors.ts';

export const HEADER_BYTES = 8;

/** Encode values as consecutive records in one buffer (one write per batch). */
export function encodeRecords(values: readonly unknown[]): Buffer {
  const payloads = values.map((value) => {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError('record payload is not JSON-serialisable');
    return json;
  });
  let total = 0;
  const lengths = payloads.map((json) => {
    const n = Buffer.byteLength(json);
    total += HEADER_BYTES + n;
    return n;
  });
  const buf = Buffer.allocUnsafe(total);
  let off = 0;
  payloads.forEach((json, i) => {
    const n = lengths[i];
    buf.write(json, off + HEADER_BYTES, n, 'utf8');
    buf.writeUInt32LE(n, off);
    // crc32 of the string is the crc32 of its utf8 bytes (JSON.stringify output is
    // well-formed UTF-16), and skips a subarray allocation per record.
    buf.writeUInt32LE(crc32(json), off + 4);
    off += HEADER_BYTES + n;
  });
  return buf;
}

export function encodeRecord(value: unknown): Buffer {
  return encodeRecords([value]);
}

export interface Decoded {
  values: unknown[];
  /** Byte offset of each value's record, for error messages. */
  offsets: number[];
  /** Byte length of the valid prefix. */
  end: number;
  /** Why the bytes after `end` were rejected, when the tail was torn. */
  torn: string | null;
}

/**
 * Decode every record in `buf`. The first bad record ends the log if it is a torn tail:
 * only allowed in the file being appended to (`final`) and only when no valid record can
 * be found anywhere after it. Anything else is corruption: throw, never guess.
 */
export function decodeRecords(buf: Buffer, file: string, final: boolean): Decoded {
  const values: unknown[] = [];
  const offsets: number[] = [];
  let off = 0;
  while (off < buf.length) {
    const bad = checkRecordAt(buf, off);
    if (bad !== null) {
      if (!final) throw new CorruptionError(file, off, `${bad} in a sealed file`);
      const next = findValidRecord(buf, off + 1);
      if (next >= 0) throw new CorruptionError(file, off, `${bad}, yet a valid record follows at byte ${next}`);
      return { values, offsets, end: off, torn: bad };
    }
    const len = buf.readUInt32LE(off);
    const text = buf.toString('utf8', off + HEADER_BYTES, off + HEADER_BYTES + len);
    try {
      values.push(JSON.parse(text));
      offsets.push(off);
    } catch {
      throw new CorruptionError(file, off, 'checksum matches but the payload is not JSON');
    }
    off += HEADER_BYTES + len;
  }
  return { values, offsets, end: off, torn: null };
}

/** null when a whole, checksummed record starts at `off`; otherwise why not. */
function checkRecordAt(buf: Buffer, off: number): string | null {
  if (buf.length - off < HEADER_BYTES) return 'short record header';
  const len = buf.readUInt32LE(off);
  if (len === 0) return 'zero record length';
  if (len > buf.length - off - HEADER_BYTES) return `record length ${len} runs past the end of the file`;
  const crc = crc32(buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len));
  return crc === buf.readUInt32LE(off + 4) ? null : 'checksum mismatch';
}

// Bytes a JSON.stringify output can start and end with. Screening candidates with them
// keeps the scan linear: a CRC is computed only where a record is plausible.
const JSON_FIRST = new Set(Buffer.from('{["-0123456789tfn'));
const JSON_LAST = new Set(Buffer.from('}]"0123456789el'));

/** Offset of the first valid record at or after `from`, or -1. */
function findValidRecord(buf: Buffer, from: number): number {
  for (let off = from; off + HEADER_BYTES < buf.length; off++) {
    const len = buf.readUInt32LE(off);
    const end = off + HEADER_BYTES + len;
    if (len === 0 || end > buf.length) continue;
    if (!JSON_FIRST.has(buf[off + HEADER_BYTES]) || !JSON_LAST.has(buf[end - 1])) continue;
    if (checkRecordAt(buf, off) === null) return off;
  }
  return -1;
}
