// The desktop peer's own settings, kept in <userData>/desktop.json: its node id and ports are
// chosen once (so friends' invites and this device's stored player identity stay valid) and
// can be overridden by environment variables (tests, portable set-ups).
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ID_PATTERN } from '../server/config.ts';

export interface DesktopSettings {
  nodeId: string;
  httpPort: number;
  mqttPort: number;
  /** Bind address: 0.0.0.0 (default) so friends on the LAN can reach this peer. */
  host: string;
}

export const SETTINGS_FILE = 'desktop.json';
export const DEFAULT_HTTP_PORT = 8081;
export const DEFAULT_MQTT_PORT = 1884;

export function defaultNodeId(hostname = os.hostname(), rand = randomBytes(2).toString('hex')): string {
  const base = hostname.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 40) || 'desktop';
  return `${base}-${rand}`;
}

function envPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number 1–65535, got "${v}"`);
  return n;
}

export function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** `preferred`, else the next free port above it (up to 50 tries), else one the OS picks. */
export async function pickPort(preferred: number, host: string, taken: number[] = []): Promise<number> {
  for (let p = preferred; p < preferred + 50 && p <= 65535; p++) {
    if (!taken.includes(p) && (await portFree(p, host))) return p;
  }
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Reads desktop.json, applies env overrides, fills what is missing (choosing free ports) and saves it. */
export async function loadSettings(userData: string, env: NodeJS.ProcessEnv = process.env): Promise<DesktopSettings> {
  const file = path.join(userData, SETTINGS_FILE);
  let saved: Partial<DesktopSettings> = {};
  try {
    saved = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<DesktopSettings>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is damaged: ${(err as Error).message}`, { cause: err });
  }
  const host = env.TRINCA_HOST || saved.host || '0.0.0.0';
  const nodeId = env.TRINCA_NODE_ID || saved.nodeId || defaultNodeId();
  if (!ID_PATTERN.test(nodeId)) throw new Error(`node id "${nodeId}" must be 1–64 of A–Z a–z 0–9 _ . -`);
  const httpPort = envPort(env, 'TRINCA_HTTP_PORT') ?? saved.httpPort ?? (await pickPort(DEFAULT_HTTP_PORT, host));
  const mqttPort = envPort(env, 'TRINCA_MQTT_PORT') ?? saved.mqttPort ?? (await pickPort(DEFAULT_MQTT_PORT, host, [httpPort]));
  const settings: DesktopSettings = { nodeId, httpPort, mqttPort, host };
  await fs.mkdir(userData, { recursive: true });
  await fs.writeFile(file, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
  return settings;
}

/** How friends reach this peer: TRINCA_ADVERTISE, else the first LAN IPv4 when bound to all interfaces. */
export function advertiseFor(s: DesktopSettings, env: NodeJS.ProcessEnv = process.env, nets = os.networkInterfaces()): string {
  if (env.TRINCA_ADVERTISE) return env.TRINCA_ADVERTISE.replace(/\/+$/, '');
  let host = s.host;
  if (host === '0.0.0.0' || host === '::') {
    const lan = Object.values(nets)
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    host = lan?.address ?? '127.0.0.1';
  }
  return `http://${host.includes(':') ? `[${host}]` : host}:${s.httpPort}`;
}

/** The URL the window loads: the node over loopback when it listens there. */
export function localUiUrl(s: DesktopSettings): string {
  const local = s.host === '0.0.0.0' || s.host === '::' || s.host === '127.0.0.1' || s.host === 'localhost';
  return `http://${local ? '127.0.0.1' : s.host}:${s.httpPort}/`;
}
