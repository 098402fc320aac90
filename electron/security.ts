// The window's security rules as small pure functions (tested without an Electron runtime).

/** CSP header for the node's pages (the built page also carries the same policy in a meta tag). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  // WebSockets to any peer: a player whose node goes away reconnects to another one.
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "worker-src 'none'",
].join('; ');

export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** Navigation is allowed only within the embedded node's UI (same origin). */
export function isAllowedNavigation(url: string, nodeOrigin: string | null): boolean {
  return !!nodeOrigin && originOf(url) === nodeOrigin;
}

/** Permissions the UI may get (only writing an invite code to the clipboard); everything else is denied. */
export function isAllowedPermission(permission: string, requestingUrl: string, nodeOrigin: string | null): boolean {
  return permission === 'clipboard-sanitized-write' && isAllowedNavigation(requestingUrl, nodeOrigin);
}

export interface SenderLike {
  /** The frame that sent the IPC message (null once it navigated away or was destroyed). */
  frameUrl: string | null;
  isMainFrame: boolean;
  fromMainWindow: boolean;
}

/** An IPC message is served only from the main window's top frame showing the node's UI. */
export function isTrustedSender(s: SenderLike, nodeOrigin: string | null): boolean {
  return s.fromMainWindow && s.isMainFrame && !!s.frameUrl && isAllowedNavigation(s.frameUrl, nodeOrigin);
}
