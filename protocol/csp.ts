// The one Content-Security-Policy of the player UI, used by the node (HTTP header on every
// page it serves), by the Vite build (meta tag, for pages opened some other way) and by
// the Electron window (header). No inline script or style, no eval. `connect-src` allows
// WebSockets to any peer: a player whose node goes away reconnects to another peer of the
// cluster, whose address comes from `/servers`.

const DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
];

/** As an HTTP header: also forbids framing the UI (a page framing the buy and trade buttons). */
export const CONTENT_SECURITY_POLICY = [...DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/** As a `<meta http-equiv>` tag, where browsers ignore (and warn about) `frame-ancestors`. */
export const CONTENT_SECURITY_POLICY_META = DIRECTIVES.join('; ');

/** Headers sent with every page of the UI. */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};
