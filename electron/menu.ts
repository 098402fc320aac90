// The application menu. Packaged builds get no reload and no DevTools: a player who presses
// Ctrl+R would drop the match screen, and DevTools is a debugging door. On macOS the app and
// Edit menus stay (without Edit, Cmd+C / Cmd+V do nothing, and invite codes are pasted);
// elsewhere a packaged app has no menu bar at all. Development builds keep Electron's
// default menu (reload, DevTools). Pure, so it is unit-tested without Electron.
import type { MenuItemConstructorOptions } from 'electron';

/** The template for a packaged build, or null for "keep Electron's default menu". */
export function menuTemplate(platform: NodeJS.Platform, packaged: boolean): MenuItemConstructorOptions[] | null {
  if (!packaged) return null;
  if (platform !== 'darwin') return [];
  return [{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }];
}

/** Roles that must never appear in a packaged build's menu. */
export const DEBUG_ROLES: readonly string[] = ['reload', 'forceReload', 'toggleDevTools', 'viewMenu'];
