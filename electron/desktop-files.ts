// Files the desktop app keeps under userData besides the node's data: the player's identity
// (identity.json, mode 0600, written atomically) and the log file a player can send
// (logs/trinca.log). Kept by the main process so the identity does not depend on the
// window's origin (its port may change) or on a page's storage.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DesktopIdentity } from '../protocol/desktop.ts';

export const IDENTITY_FILE = 'identity.json';

export const logsDirOf = (userData: string): string => path.join(userData, 'logs');
export const logFileOf = (userData: string): string => path.join(logsDirOf(userData), 'trinca.log');

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9_-]{43,512}$/;

/** The identity if `v` is one (the same rules as the renderer's and the broker's), else null. */
export function validIdentity(v: unknown): DesktopIdentity | null {
  const o = v as Partial<DesktopIdentity> | null;
  if (!o || typeof o !== 'object' || typeof o.playerId !== 'string' || !ID.test(o.playerId) || typeof o.token !== 'string' || !TOKEN.test(o.token)) return null;
  const name = typeof o.name === 'string' && o.name.length >= 1 && o.name.length <= 24 ? o.name : null;
  return { playerId: o.playerId, token: o.token, name };
}

export async function loadIdentity(userData: string): Promise<DesktopIdentity | null> {
  try {
    return validIdentity(JSON.parse(await fs.readFile(path.join(userData, IDENTITY_FILE), 'utf8')));
  } catch {
    return null;
  }
}

export async function saveIdentity(userData: string, v: unknown): Promise<boolean> {
  const id = validIdentity(v);
  if (!id) return false;
  await fs.mkdir(userData, { recursive: true });
  const file = path.join(userData, IDENTITY_FILE);
  const tmp = `${file}.tmp`;
  const h = await fs.open(tmp, 'w', 0o600);
  try {
    await h.writeFile(JSON.stringify(id) + '\n');
    await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, file);
  return true;
}
