import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptionError } from './errors.ts';
import {
  DataDirError,
  InvalidSecretError,
  dataPaths,
  decodeSecret,
  encodeSecret,
  ensureDataDir,
  loadOrCreateSecret,
  readIdentity,
  readSecretFile,
  writeIdentity,
} from './node-files.ts';
import { useTempDirs } from './tmp-dir.testutil.ts';

const tempDir = useTempDirs();

describe('node files', () => {
  it('creates a nested data dir with mode 0700 and accepts an existing one', async () => {
    const dir = join(await tempDir(), 'a', 'b');
    await ensureDataDir(dir);
    await ensureDataDir(dir);
    if (process.platform !== 'win32') expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('gives a clear DataDirError when the data dir cannot be used', async () => {
    const file = join(await tempDir(), 'plain-file');
    await writeFile(file, 'x');
    await expect(ensureDataDir(file)).rejects.toThrow(DataDirError);
    await expect(ensureDataDir(join(file, 'sub'))).rejects.toThrow(new RegExp(`data dir ${file}/sub is not usable: ENOTDIR`));
  });

  it('stores the identity atomically and validates it on read', async () => {
    const dir = await tempDir();
    expect(await readIdentity(dir)).toBeUndefined();
    await writeIdentity(dir, { id: 'n1', clusterId: 'c-123', advertise: 'http://127.0.0.1:8081' });
    expect(await readIdentity(dir)).toEqual({ id: 'n1', clusterId: 'c-123', advertise: 'http://127.0.0.1:8081' });
    await writeFile(dataPaths(dir).identity, '{"id":"n1"}');
    await expect(readIdentity(dir)).rejects.toThrow(CorruptionError);
  });

  it('creates the secret once as one base64url line with mode 0600', async () => {
    const path = dataPaths(await tempDir()).secret;
    const first = await loadOrCreateSecret(path);
    expect(first.created).toBe(true);
    expect(first.secret.length).toBe(32);
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateSecret(path);
    expect(again).toEqual({ secret: first.secret, created: false });
    expect(await readSecretFile(path)).toEqual(first.secret);
  });

  it('decodes the same text as TRINCA_SECRET and rejects anything else', async () => {
    const secret = Buffer.alloc(32, 7);
    expect(decodeSecret(` ${encodeSecret(secret)}\r\n`, 'TRINCA_SECRET')).toEqual(secret);
    expect(() => decodeSecret('c2hvcnQ', 'TRINCA_SECRET')).toThrow(/TRINCA_SECRET: expected one line/);
    expect(() => decodeSecret(encodeSecret(secret) + '\nmore', 'x')).toThrow(InvalidSecretError);
    const path = join(await tempDir(), 'bad-secret');
    await writeFile(path, 'not a secret\n');
    await expect(readSecretFile(path)).rejects.toThrow(path);
  });
});
