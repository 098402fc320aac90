// What a node keeps about itself in --data: identity.json ({id, clusterId}) and, unless
// --secret-file/TRINCA_SECRET names it elsewhere, the cluster secret in `secret` (0600).
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { decodeSecret, generateSecret, SecretError } from '../security/keys.ts';

export interface Identity {
  id: string;
  clusterId: string;
  createdAt: string;
  /** True on the node that created the cluster (its Raft configuration at index 0). */
  bootstrap: boolean;
  /** The cluster's stock multiplier, fixed at bootstrap. */
  stockScale: number;
}

export class DataDirError extends Error {}

/**
 * Creates the data dir if needed, proves it is writable, and makes it private to the node's
 * user — an existing one too: directories 0700, files 0600 (the secret, identity, members,
 * the Raft WAL, hard state and snapshots, match logs).
 */
export async function prepareDataDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await tightenModes(dir);
    const probe = path.join(dir, `.probe-${process.pid}`);
    await fs.writeFile(probe, 'ok', { mode: 0o600 });
    await fs.rm(probe);
  } catch (err) {
    throw new DataDirError(`data dir ${dir} is not usable: ${(err as Error).message}`);
  }
}

/** chmod -R go-rwx, without following symbolic links (a link is left as it is). */
export async function tightenModes(dir: string): Promise<void> {
  await fs.chmod(dir, 0o700);
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await tightenModes(p);
    else if (e.isFile()) await fs.chmod(p, 0o600);
  }
}

export async function loadIdentity(dir: string): Promise<Identity | null> {
  const file = path.join(dir, 'identity.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DataDirError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as Identity;
    if (typeof v.id !== 'string' || typeof v.clusterId !== 'string') throw new Error('missing id/clusterId');
    if (typeof v.stockScale !== 'number' || typeof v.bootstrap !== 'boolean') throw new Error('missing stockScale/bootstrap');
    return v;
  } catch (err) {
    throw new DataDirError(`${file} is damaged: ${(err as Error).message}`);
  }
}

export async function saveIdentity(dir: string, identity: Identity): Promise<void> {
  await writeFileAtomic(path.join(dir, 'identity.json'), JSON.stringify(identity, null, 2) + '\n', 0o600);
}

export interface SecretSource {
  dataDir: string;
  secretFile?: string;
  /** Secret text given directly (env TRINCA_SECRET or an invite). */
  secret?: string;
}

export const defaultSecretFile = (dataDir: string): string => path.join(dataDir, 'secret');

/** Reads the secret (explicit text, else the secret file); null when none exists yet. */
export async function readSecret(src: SecretSource): Promise<string | null> {
  if (src.secret) return validated(src.secret, 'the given secret');
  const file = src.secretFile ?? defaultSecretFile(src.dataDir);
  try {
    const text = await fs.readFile(file, 'utf8');
    // A secret file left readable by others (an older version, a copy) is made private.
    await fs.chmod(file, 0o600).catch(() => undefined);
    return validated(text, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (err instanceof SecretError) throw err;
    throw new SecretError(`cannot read secret file ${file}: ${(err as Error).message}`);
  }
}

/** Stores the secret where the node will find it on restart (mode 0600). */
export async function storeSecret(src: SecretSource, secret: string): Promise<void> {
  await writeFileAtomic(src.secretFile ?? defaultSecretFile(src.dataDir), secret + '\n', 0o600);
}

export const newSecret = generateSecret;

function validated(text: string, where: string): string {
  try {
    decodeSecret(text);
  } catch (err) {
    throw new SecretError(`${where}: ${(err as Error).message}`);
  }
  return text.trim();
}
