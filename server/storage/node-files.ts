// The node's own files in its data dir: layout, identity and the cluster secret (DESIGN §9).
import { randomBytes } from 'node:crypto';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, removeTempFiles, writeFileAtomic } from './atomic-file.ts';
import { CorruptionError } from './errors.ts';
import { isErrno, mkdirDurable } from './fd-io.ts';

/** The data dir is missing, not a directory, or not writable. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

/** A secret (file or TRINCA_SECRET) that is not one line of base64url for 32 bytes. */
export class InvalidSecretError extends Error {
  override readonly name = 'InvalidSecretError';
}

/** Where each store lives under `--data`. */
export function dataPaths(dataDir: string): { identity: string; secret: string; raft: string; matches: string } {
  return {
    identity: join(dataDir, 'identity.json'),
    secret: join(dataDir, 'secret'),
    raft: join(dataDir, 'raft'),
    matches: join(dataDir, 'matches'),
  };
}

/** Create the data dir if needed (0700: it holds the secret) and prove it is writable. */
export async function ensureDataDir(dir: string): Promise<void> {
  try {
    await mkdirDurable(dir, 0o700);
    if (!(await stat(dir)).isDirectory()) throw new DataDirError(`data dir ${dir} is not a directory`);
    const probe = join(dir, `.write-probe-${process.pid}`);
    await writeFile(probe, 'ok');
    await unlink(probe);
    await removeTempFiles(dir);
  } catch (err) {
    if (err instanceof DataDirError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new DataDirError(`data dir ${dir} is not usable: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' '), { cause: err });
  }
}

export interface NodeIdentity {
  id: string;
  clusterId: string;
  [key: string]: unknown;
}

export async function readIdentity(dataDir: string): Promise<NodeIdentity | undefined> {
  const path = dataPaths(dataDir).identity;
  const value = (await readJsonFile(path)) as Partial<NodeIdentity> | null | undefined;
  if (value === undefined) return undefined;
  if (typeof value?.id !== 'string' || !value.id || typeof value.clusterId !== 'string' || !value.clusterId) {
    throw new CorruptionError(path, 0, 'not a node identity {id, clusterId}');
  }
  return value as NodeIdentity;
}

export function writeIdentity(dataDir: string, identity: NodeIdentity): Promise<void> {
  return writeFileAtomic(dataPaths(dataDir).identity, JSON.stringify(identity, null, 2) + '\n');
}

export const SECRET_BYTES = 32;
const SECRET_TEXT = /^[A-Za-z0-9_-]{43}$/; // 32 bytes in unpadded base64url

export function encodeSecret(secret: Buffer): string {
  return secret.toString('base64url');
}

/** Decode the secret text; `source` names where it came from for the error message. */
export function decodeSecret(text: string, source: string): Buffer {
  const line = text.trim();
  if (!SECRET_TEXT.test(line)) {
    throw new InvalidSecretError(`${source}: expected one line of base64url text encoding ${SECRET_BYTES} bytes`);
  }
  return Buffer.from(line, 'base64url');
}

/** The secret in `path`, or undefined if there is no such file. */
export async function readSecretFile(path: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  return decodeSecret(text, `secret file ${path}`);
}

/** Read the secret, or create a fresh one (mode 0600) if the file does not exist. */
export async function loadOrCreateSecret(path: string): Promise<{ secret: Buffer; created: boolean }> {
  const existing = await readSecretFile(path);
  if (existing) return { secret: existing, created: false };
  const secret = randomBytes(SECRET_BYTES);
  await writeFileAtomic(path, encodeSecret(secret) + '\n', 0o600);
  return { secret, created: true };
}
