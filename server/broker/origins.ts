// Which web pages may open `/mqtt` (a WebSocket upgrade carries the page's Origin): the UI as
// served by any member of the cluster (a player whose node goes away reconnects to another
// peer from the page it has), reached by the member's advertised URL or, on the member's
// port, by a loopback name (the desktop window loads http://127.0.0.1:<port>/). Native MQTT
// clients send no Origin and are let in. Any other page — one a player merely visits — is
// refused, so it cannot register players or play through the player's own node.

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/** The origins a member reachable at `address` (http://host:port) serves its UI from. */
export function originsOf(address: string): string[] {
  let u: URL;
  try {
    u = new URL(address);
  } catch {
    return [];
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return [];
  const port = u.port ? `:${u.port}` : '';
  return [u.origin, ...LOOPBACK.map((h) => `${u.protocol}//${h}${port}`)];
}

/** True if a WebSocket upgrade with this Origin header (undefined: none sent) may go on. */
export function isAllowedOrigin(origin: string | undefined, memberAddresses: readonly string[]): boolean {
  if (origin === undefined) return true;
  const o = origin.trim().toLowerCase();
  for (const a of memberAddresses) if (originsOf(a).some((x) => x.toLowerCase() === o)) return true;
  return false;
}
