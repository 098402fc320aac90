// The window's security rules as small pure functions (tested without an Electron runtime).

/** The UI's CSP header (defined once, in protocol/csp.ts). */
export { CONTENT_SECURITY_POLICY, UI_SECURITY_HEADERS } from '../protocol/csp.ts';

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

/** The argument the main process gives the window (webPreferences.additionalArguments). */
export const ORIGIN_ARG = '--trinca-ui-origin=';

/**
 * The preload exposes `window.trinca` only in a page of the origin this launch's main
 * process opened the window on: a frame or a page from anywhere else gets no API at all
 * (and the main process checks every IPC sender again).
 */
export function mayExposeApi(locationOrigin: string, argv: readonly string[]): boolean {
  const arg = argv.find((a) => a.startsWith(ORIGIN_ARG));
  const expected = arg ? originOf(arg.slice(ORIGIN_ARG.length)) : null;
  return !!expected && originOf(locationOrigin) === expected;
}

/**
 * The node origin trusted for IPC, fixed once per launch: set when the window is first
 * opened; a later, different origin (nothing should produce one) is refused, never adopted.
 */
export class LaunchOrigin {
  private value: string | null = null;
  get(): string | null {
    return this.value;
  }
  set(url: string): string {
    const o = originOf(url);
    if (!o) throw new Error(`not an http(s) URL: ${url}`);
    if (this.value && this.value !== o) throw new Error(`the UI origin of this launch is ${this.value}, not ${o}`);
    this.value = o;
    return o;
  }
}
