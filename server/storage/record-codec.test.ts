import { describe, expect, it } from 'vitest';
import { CorruptionError } from './errors.ts';
import { HEADER_BYTES, decodeRecords, encodeRecords } from './record-codec.ts';

const values = [{ a: 1 }, { b: 'två ✓ 🂡', lone: '\ud800' }, [1, 2, 3], { c: null, d: { e: true } }, 'text', 42];
const buf = encodeRecords(values);
const offsets = decodeRecords(buf, 'f', true).offsets;

function flip(b: Buffer, at: number): Buffer {
  const copy = Buffer.from(b);
  copy[at] ^= 0x40;
  return copy;
}

describe('record codec', () => {
  it('round-trips values with their offsets', () => {
    const d = decodeRecords(buf, 'f', true);
    expect(d.values).toEqual(values);
    expect(d.end).toBe(buf.length);
    expect(d.torn).toBeNull();
    expect(d.offsets[0]).toBe(0);
    expect(buf.readUInt32LE(0)).toBe(Buffer.byteLength(JSON.stringify(values[0])));
  });

  it('cuts a tail torn at any byte back to the whole records before it', () => {
    for (let cut = 1; cut < buf.length; cut++) {
      const d = decodeRecords(buf.subarray(0, cut), 'f', true);
      const whole = offsets.filter((o, i) => (offsets[i + 1] ?? buf.length) <= cut).length;
      expect(d.values).toEqual(values.slice(0, whole));
      expect(d.end).toBe(offsets[whole] ?? buf.length);
      expect(d.torn === null).toBe(d.end === cut);
    }
  });

  it('cuts garbage or zeros appended after the last record', () => {
    for (const tail of [Buffer.alloc(100), Buffer.from('\x07\x00\x00\x00garbage!!!'), Buffer.from('{"x":1}')]) {
      const d = decodeRecords(Buffer.concat([buf, tail]), 'f', true);
      expect(d.values).toEqual(values);
      expect(d.end).toBe(buf.length);
      expect(d.torn).not.toBeNull();
    }
  });

  it('treats a bad checksum in the last record as a torn write', () => {
    const d = decodeRecords(flip(buf, buf.length - 1), 'f', true);
    expect(d.values).toEqual(values.slice(0, -1));
    expect(d.torn).toBe('checksum mismatch');
  });

  it('throws CorruptionError naming file and offset when valid records follow a bad one', () => {
    const bad = flip(buf, offsets[2] + HEADER_BYTES + 1);
    const err = catchError(() => decodeRecords(bad, '/data/wal/seg.wal', true));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toContain('/data/wal/seg.wal');
    expect(err.message).toContain(`byte ${offsets[2]}`);
    expect((err as CorruptionError).offset).toBe(offsets[2]);
  });

  it('throws when a damaged length hides the records after it', () => {
    const bad = Buffer.from(buf);
    bad.writeUInt32LE(0x00ffffff, offsets[1]);
    expect(() => decodeRecords(bad, 'f', true)).toThrow(CorruptionError);
  });

  it('never accepts a bad record in a sealed file, even at the tail', () => {
    expect(() => decodeRecords(buf.subarray(0, buf.length - 1), 'f', false)).toThrow(/sealed/);
    expect(() => decodeRecords(flip(buf, buf.length - 1), 'f', false)).toThrow(CorruptionError);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => encodeRecords([undefined])).toThrow(TypeError);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
