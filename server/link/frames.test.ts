import { describe, it, expect } from 'vitest';
import { FRAME_REPLY, FRAME_REQUEST, FRAME_TOKEN, FrameError, MAX_FRAME_BYTES, decodeFrames, encodeReply, encodeRequest, encodeToken, parseBody } from './frames.ts';

const cat = (...frames: Buffer[][]) => Buffer.concat(frames.flat());

describe('link frames', () => {
  it('round-trips several frames of every kind in one message', () => {
    const body = Buffer.from(JSON.stringify({ term: 3, entries: [{ index: 1 }] }));
    const msg = cat(encodeRequest(7, '/eleicao/declarar_lider', body), encodeReply(8, 409, Buffer.from('{"error":"X"}')), encodeToken('a.b.c'), encodeRequest(0xffffffff, '/x', undefined));
    const frames = decodeFrames(msg);
    expect(frames).toHaveLength(4);
    expect(frames[0]).toMatchObject({ kind: FRAME_REQUEST, id: 7, path: '/eleicao/declarar_lider' });
    expect(parseBody((frames[0] as { body: Buffer }).body)).toEqual({ term: 3, entries: [{ index: 1 }] });
    expect(frames[1]).toMatchObject({ kind: FRAME_REPLY, id: 8, status: 409 });
    expect(frames[2]).toEqual({ kind: FRAME_TOKEN, token: 'a.b.c' });
    expect(frames[3]).toMatchObject({ kind: FRAME_REQUEST, id: 0xffffffff, path: '/x' });
    expect(parseBody((frames[3] as { body: Buffer }).body)).toBeUndefined();
  });

  const malformed: [string, Buffer, 1007 | 1009, RegExp][] = [
    ['empty message', Buffer.alloc(0), 1007, /empty/],
    ['truncated header', Buffer.from([0, 0, 0]), 1007, /truncated frame header/],
    ['length overruns', cat(encodeRequest(1, '/a', Buffer.from('{}'))).subarray(0, 12), 1007, /overruns the message/],
    ['unknown kind', (() => { const b = Buffer.alloc(9); b.writeUInt32BE(5, 0); b.writeUInt8(9, 4); return b; })(), 1007, /unknown frame kind 9/],
    ['path overruns', (() => { const b = cat(encodeRequest(1, '/abc', undefined)); b.writeUInt16BE(200, 9); return b; })(), 1007, /path overruns/],
    ['relative path', cat(encodeRequest(1, 'abc', undefined)), 1007, /must start with/],
    ['declared too large', (() => { const b = Buffer.alloc(11); b.writeUInt32BE(MAX_FRAME_BYTES * 2, 0); return b; })(), 1009, /exceeds/],
  ];
  for (const [name, msg, code, re] of malformed) {
    it(`refuses ${name} (close ${code})`, () => {
      let err: unknown;
      try {
        decodeFrames(msg);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FrameError);
      expect((err as FrameError).closeCode).toBe(code);
      expect((err as FrameError).message).toMatch(re);
    });
  }

  it('refuses a body over the limit it was given, and a body that is not JSON', () => {
    const msg = cat(encodeRequest(1, '/a', Buffer.alloc(2000, 0x20)));
    expect(() => decodeFrames(msg, 1000)).toThrow(/exceeds the 1000-byte limit/);
    expect(() => parseBody(Buffer.from('{"a":'))).toThrow(FrameError);
  });
});
