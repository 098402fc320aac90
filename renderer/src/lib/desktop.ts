// The narrow API the Electron preload exposes as `window.trinca` (absent in a plain browser).
// Its shapes live in protocol/desktop.ts, shared with electron/ (dependency direction).

import type { TrincaDesktopApi } from '../../../protocol/desktop.ts';

export type { DesktopNodeInfo, DesktopResult, TrincaDesktopApi } from '../../../protocol/desktop.ts';

declare global {
  interface Window {
    trinca?: TrincaDesktopApi;
  }
}

export function desktopApi(): TrincaDesktopApi | null {
  return typeof window !== 'undefined' && window.trinca ? window.trinca : null;
}

/** What an invite code names, without the secret (decoded locally; never sent anywhere). */
export function describeInvite(code: string): { clusterId: string; peers: string[] } | null {
  const text = code.trim();
  if (!text.startsWith('trinca1.')) return null;
  try {
    const b64 = text.slice('trinca1.'.length).replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '=')), (c) => c.charCodeAt(0)));
    const v = JSON.parse(json) as { c?: unknown; s?: unknown; p?: unknown };
    if (typeof v.c !== 'string' || typeof v.s !== 'string' || !Array.isArray(v.p) || !v.p.every((x) => typeof x === 'string')) return null;
    return { clusterId: v.c, peers: v.p as string[] };
  } catch {
    return null;
  }
}
