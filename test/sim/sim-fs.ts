// An in-memory file system for the simulator, behind the storage layer's FileIo seam
// (server/storage/fd-io.ts), with the crash semantics the real storage code is written
// against:
//  * written bytes sit in a volatile buffer (the page cache) until fsync/fdatasync, or
//    until the write returns on an O_DSYNC fd;
//  * a directory's entries (create, rename, unlink, mkdir) become durable only when the
//    directory itself is fsynced;
//  * a crash keeps a random prefix of each file's unsynced writes, in order, and may tear
//    the first write it does not keep (a cut-off prefix, zeros, or garbage); the same for
//    each directory's unsynced operations (a rename is atomic: kept or not).
// Syncs take virtual time (`host.syncDelay()`), so messages keep arriving while a Ready is
// written. Everything else completes at once (still asynchronously, as real I/O does).
// Deterministic: the only randomness is the host's seeded PRNG.
import fs from 'node:fs';
import { basename, resolve } from 'node:path';
import type { FileIo } from '../../server/storage/fd-io.ts';
import type { Rng } from './rng.ts';

export interface SimFsHost {
  rng: Rng;
  /** Run `fn` after `ms` of virtual time. */
  after(ms: number, fn: () => void): void;
  /** How long one sync takes (ms). */
  syncDelay(): number;
}

export interface SimFsOptions {
  /** Offer O_DSYNC (as Linux does); without it the WAL fdatasyncs each write. */
  dsync?: boolean;
  /**
   * Deliberately broken disks, to prove the simulator's checker has teeth:
   * 'skip-fsync' — syncs return but make nothing durable;
   * 'early-fsync' — syncs return at once and the data becomes durable only later, so the
   *   driver acts (sends its answers) before its writes are on disk.
   */
  bug?: 'none' | 'skip-fsync' | 'early-fsync';
}

type Write = { t: 'w'; pos: number; bytes: Buffer } | { t: 'trunc'; len: number };

/** A growable byte array. */
class Bytes {
  buf: Buffer = Buffer.alloc(0);
  size = 0;

  write(pos: number, bytes: Buffer): void {
    const end = pos + bytes.length;
    if (end > this.buf.length) {
      const next = Buffer.alloc(Math.max(end, this.buf.length * 2, 256));
      this.buf.copy(next, 0, 0, this.size);
      this.buf = next;
    }
    if (pos > this.size) this.buf.fill(0, this.size, pos);
    bytes.copy(this.buf, pos);
    if (end > this.size) this.size = end;
  }

  truncate(len: number): void {
    if (len > this.size) this.write(this.size, Buffer.alloc(len - this.size));
    this.size = len;
  }

  apply(w: Write): void {
    if (w.t === 'w') this.write(w.pos, w.bytes);
    else this.truncate(w.len);
  }

  copy(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.size));
  }

  clone(): Bytes {
    const b = new Bytes();
    b.buf = this.copy();
    b.size = this.size;
    return b;
  }
}

export class SimFile {
  readonly kind = 'file';
  data = new Bytes();
  durable = new Bytes();
  pending: Write[] = [];
  /** Bumps whenever durable bytes change below the durable end (a truncate, a crash). */
  rewrites = 0;
  constructor(readonly ino: number) {}

  sync(): void {
    for (const w of this.pending) {
      if (w.t === 'trunc' || w.pos < this.durable.size) this.rewrites++;
      this.durable.apply(w);
    }
    this.pending = [];
  }
}

type DirOp = { t: 'set'; name: string; node: SimNode } | { t: 'del'; name: string } | { t: 'mv'; from: string; to: string; node: SimNode };

export class SimDir {
  readonly kind = 'dir';
  entries = new Map<string, SimNode>();
  durable = new Map<string, SimNode>();
  pending: DirOp[] = [];

  sync(): void {
    this.durable = new Map(this.entries);
    this.pending = [];
  }
}

export type SimNode = SimFile | SimDir;

function applyDirOp(m: Map<string, SimNode>, op: DirOp): void {
  if (op.t === 'set') m.set(op.name, op.node);
  else if (op.t === 'del') m.delete(op.name);
  else {
    m.delete(op.from);
    m.set(op.to, op.node);
  }
}

function errno(code: string, op: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${op} '${path}'`), { code });
}

interface Fd {
  node: SimNode;
  dsync: boolean;
  writable: boolean;
}

const { O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC } = fs.constants;
const O_DSYNC_FLAG = fs.constants.O_DSYNC ?? 0o10000;

export class SimFs {
  readonly root = new SimDir();
  /** Bumps on every crash: work in flight from before it never completes. */
  generation = 0;
  /** Bumps on every change of durable state (for incremental readers of it). */
  durableVersion = 0;
  readonly stats = { writes: 0, syncs: 0, crashes: 0, tornWrites: 0, lostWrites: 0 };
  private fds = new Map<number, Fd>();
  private nextFd = 3;
  private nextIno = 1;
  private tmpSeq = 0;
  private readonly bug: NonNullable<SimFsOptions['bug']>;
  readonly io: FileIo;

  constructor(
    private readonly host: SimFsHost,
    private readonly opts: SimFsOptions = {},
  ) {
    this.bug = opts.bug ?? 'none';
    this.io = this.makeIo();
  }

  // ---- inspection (the checker reads what is durable) -----------------------------------

  /** The node a path names in the durable directory tree (what a crash now would leave). */
  durableLookup(path: string): SimNode | undefined {
    let cur: SimNode = this.root;
    for (const part of split(path)) {
      if (cur.kind !== 'dir') return undefined;
      const next: SimNode | undefined = cur.durable.get(part);
      if (!next) return undefined;
      cur = next;
    }
    return cur;
  }

  // ---- power loss -----------------------------------------------------------------------

  /** Power loss: open fds vanish; unsynced writes and directory operations are partly lost. */
  crash(): { kept: number; lost: number; torn: number } {
    const rng = this.host.rng;
    this.generation++;
    this.durableVersion++;
    this.stats.crashes++;
    this.fds.clear();
    let kept = 0;
    let lost = 0;
    let torn = 0;
    const files = new Set<SimFile>();
    const walk = (d: SimDir): void => {
      // Directory first: which entries survive decides which files are still reachable.
      const k = rng.int(d.pending.length + 1);
      const m = new Map(d.durable);
      for (let i = 0; i < k; i++) applyDirOp(m, d.pending[i]);
      d.durable = m;
      d.entries = new Map(m);
      d.pending = [];
      // Files reachable through the old entries too (an unlink that is lost brings one back).
      for (const n of m.values()) {
        if (n.kind === 'dir') walk(n);
        else files.add(n);
      }
    };
    walk(this.root);
    for (const f of files) {
      const n = f.pending.length;
      if (n === 0) continue;
      const k = rng.int(n + 1);
      if (k < n) f.rewrites++;
      for (let i = 0; i < k; i++) f.durable.apply(f.pending[i]);
      kept += k;
      lost += n - k;
      const next = f.pending[k];
      if (next && next.t === 'w' && next.bytes.length > 0 && rng.chance(0.6)) {
        torn++;
        const mode = rng.int(3);
        const len = mode === 0 ? rng.int(next.bytes.length) : rng.range(1, next.bytes.length);
        const bytes = mode === 0 ? next.bytes.subarray(0, len) : mode === 1 ? Buffer.alloc(len) : Buffer.from(Array.from({ length: len }, () => rng.int(256)));
        if (next.pos < f.durable.size) f.rewrites++;
        f.durable.write(next.pos, bytes);
      }
      f.pending = [];
      f.data = f.durable.clone();
    }
    this.stats.tornWrites += torn;
    this.stats.lostWrites += lost;
    return { kept, lost, torn };
  }

  // ---- the FileIo -------------------------------------------------------------------------

  /** The node at `path` (`up` = 1: its parent directory's). */
  private lookup(path: string, op: string, up = 0): SimNode {
    const parts = split(path);
    let cur: SimNode = this.root;
    for (let i = 0; i < parts.length - up; i++) {
      if (cur.kind !== 'dir') throw errno('ENOTDIR', op, path);
      const next: SimNode | undefined = cur.entries.get(parts[i]);
      if (!next) throw errno('ENOENT', op, path);
      cur = next;
    }
    return cur;
  }

  private parent(path: string, op: string): SimDir {
    const d = this.lookup(path, op, 1);
    if (d.kind !== 'dir') throw errno('ENOTDIR', op, path);
    return d;
  }

  private fd(fd: number, op: string): Fd {
    const f = this.fds.get(fd);
    if (!f) throw errno('EBADF', op, String(fd));
    return f;
  }

  private dirOp(d: SimDir, op: DirOp): void {
    applyDirOp(d.entries, op);
    d.pending.push(op);
  }

  /** A sync: completes after the disk's delay, then (unless the disk lies) `durable` runs. */
  private sync(makeDurable: () => void): Promise<void> {
    this.stats.syncs++;
    const gen = this.generation;
    const delay = this.host.syncDelay();
    const land = (): void => {
      if (gen !== this.generation) return;
      makeDurable();
      this.durableVersion++;
    };
    if (this.bug === 'skip-fsync') return this.later(0, () => undefined);
    if (this.bug === 'early-fsync') {
      this.host.after(delay, land);
      return Promise.resolve();
    }
    return this.later(delay, land);
  }

  /** Resolve after `ms` (0: at once, asynchronously), unless a crash comes first. */
  private later<T>(ms: number, fn: () => T): Promise<T> {
    const gen = this.generation;
    if (ms <= 0) return Promise.resolve().then(fn);
    return new Promise<T>((res, rej) => {
      this.host.after(ms, () => {
        if (gen !== this.generation) return; // the process is gone: never completes
        try {
          res(fn());
        } catch (e) {
          rej(e as Error);
        }
      });
    });
  }

  private makeIo(): FileIo {
    const now = <T>(fn: () => T): Promise<T> => {
      try {
        return Promise.resolve(fn());
      } catch (e) {
        return Promise.reject(e as Error);
      }
    };
    return {
      O_DSYNC: this.opts.dsync ? O_DSYNC_FLAG : undefined,
      noDirSync: false,
      open: (path, flags, _mode) =>
        now(() => {
          const f = typeof flags === 'string' ? (flags === 'r' ? 0 : flags === 'r+' ? O_RDWR : -1) : flags;
          if (f < 0) throw new Error(`sim-fs: unsupported open flags ${String(flags)}`);
          const isRoot = split(path).length === 0;
          const dir = isRoot ? this.root : this.parent(path, 'open');
          const name = basename(path);
          let node = isRoot ? this.root : dir.entries.get(name);
          if (node && f & O_CREAT && f & O_EXCL) throw errno('EEXIST', 'open', path);
          if (!node) {
            if (!(f & O_CREAT)) throw errno('ENOENT', 'open', path);
            node = new SimFile(this.nextIno++);
            this.dirOp(dir, { t: 'set', name, node });
          }
          const writable = (f & (O_WRONLY | O_RDWR)) !== 0;
          if (node.kind === 'dir' && writable) throw errno('EISDIR', 'open', path);
          if (node.kind === 'file' && f & O_TRUNC) {
            node.data.truncate(0);
            node.pending.push({ t: 'trunc', len: 0 });
          }
          const fd = this.nextFd++;
          this.fds.set(fd, { node, writable, dsync: this.opts.dsync === true && (f & O_DSYNC_FLAG) !== 0 });
          return fd;
        }),
      close: (fd) =>
        now(() => {
          this.fd(fd, 'close');
          this.fds.delete(fd);
        }),
      write: (fd, buf, offset, length, position) => {
        let f: Fd;
        try {
          f = this.fd(fd, 'write');
          if (f.node.kind !== 'file' || !f.writable) throw errno('EBADF', 'write', String(fd));
        } catch (e) {
          return Promise.reject(e as Error);
        }
        const file = f.node;
        // Now and then a short write: callers must loop.
        const n = length > 1 && this.host.rng.chance(0.02) ? this.host.rng.range(1, length - 1) : length;
        const bytes = Buffer.from(buf.subarray(offset, offset + n));
        file.data.write(position, bytes);
        file.pending.push({ t: 'w', pos: position, bytes });
        this.stats.writes++;
        if (f.dsync) return this.sync(() => file.sync()).then(() => n);
        return this.later(0, () => n);
      },
      fdatasync: (fd) => this.syncFd(fd),
      fsync: (fd) => this.syncFd(fd),
      ftruncate: (fd, length) =>
        now(() => {
          const f = this.fd(fd, 'ftruncate');
          if (f.node.kind !== 'file' || !f.writable) throw errno('EBADF', 'ftruncate', String(fd));
          f.node.data.truncate(length);
          f.node.pending.push({ t: 'trunc', len: length });
        }),
      fchmod: (fd) => now(() => void this.fd(fd, 'fchmod')),
      readFile: (path) =>
        now(() => {
          const n = this.lookup(path, 'open');
          if (n.kind !== 'file') throw errno('EISDIR', 'read', path);
          return n.data.copy();
        }),
      readdir: (path) =>
        now(() => {
          const n = this.lookup(path, 'scandir');
          if (n.kind !== 'dir') throw errno('ENOTDIR', 'scandir', path);
          return [...n.entries.keys()].sort();
        }),
      rename: (from, to) =>
        now(() => {
          const a = this.parent(from, 'rename');
          const b = this.parent(to, 'rename');
          const node = a.entries.get(basename(from));
          if (!node) throw errno('ENOENT', 'rename', from);
          if (a === b) this.dirOp(a, { t: 'mv', from: basename(from), to: basename(to), node });
          else {
            this.dirOp(b, { t: 'set', name: basename(to), node });
            this.dirOp(a, { t: 'del', name: basename(from) });
          }
        }),
      unlink: (path) =>
        now(() => {
          const d = this.parent(path, 'unlink');
          const n = d.entries.get(basename(path));
          if (!n) throw errno('ENOENT', 'unlink', path);
          if (n.kind === 'dir') throw errno('EISDIR', 'unlink', path);
          this.dirOp(d, { t: 'del', name: basename(path) });
        }),
      mkdirp: (path) =>
        now(() => {
          let cur: SimDir = this.root;
          let first: string | undefined;
          let at = '';
          for (const part of split(path)) {
            at += `/${part}`;
            const next = cur.entries.get(part);
            if (next && next.kind !== 'dir') throw errno('ENOTDIR', 'mkdir', path);
            if (next) {
              cur = next;
              continue;
            }
            const d = new SimDir();
            this.dirOp(cur, { t: 'set', name: part, node: d });
            first ??= at;
            cur = d;
          }
          return first;
        }),
      uniqueSuffix: () => `sim-${++this.tmpSeq}`,
    };
  }

  private syncFd(fd: number): Promise<void> {
    let f: Fd;
    try {
      f = this.fd(fd, 'fsync');
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const node = f.node;
    return this.sync(() => node.sync());
  }
}

const splitCache = new Map<string, string[]>();

/** A path's components (cached: the storage code names the same few files again and again). */
function split(path: string): string[] {
  let parts = splitCache.get(path);
  if (!parts) {
    if (splitCache.size > 10_000) splitCache.clear();
    parts = resolve(path).split('/').filter((p) => p.length > 0);
    splitCache.set(path, parts);
  }
  return parts;
}
