import { describe, it, expect } from 'vitest';
import { loadFailure, rendererGone } from './recovery.ts';
import { DEBUG_ROLES, menuTemplate } from './menu.ts';

describe('window recovery prompts', () => {
  it('a failed main-frame load offers Reload / Quit and names the URL and error', () => {
    const p = loadFailure(-102, 'ERR_CONNECTION_REFUSED', 'http://127.0.0.1:8081/', true);
    expect(p).toMatchObject({ message: 'The game screen could not be loaded.', buttons: ['Reload', 'Quit'] });
    expect(p!.detail).toContain('http://127.0.0.1:8081/ answered ERR_CONNECTION_REFUSED (-102)');
  });

  it('ignores subframes and aborted navigations', () => {
    expect(loadFailure(-102, 'ERR_CONNECTION_REFUSED', 'http://x/', false)).toBeNull();
    expect(loadFailure(-3, 'ERR_ABORTED', 'http://x/', true)).toBeNull();
  });

  it('a crashed or killed renderer offers a reload; a clean exit does not', () => {
    expect(rendererGone('crashed', 139)).toMatchObject({ message: 'The game screen stopped unexpectedly.', buttons: ['Reload', 'Quit'] });
    expect(rendererGone('oom', 0)!.detail).toContain('oom');
    expect(rendererGone('clean-exit', 0)).toBeNull();
  });
});

describe('application menu', () => {
  const roles = (t: ReturnType<typeof menuTemplate>) => JSON.stringify(t);

  it('packaged builds have no reload or DevTools on any platform', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const t = menuTemplate(platform, true);
      expect(t).not.toBeNull();
      for (const r of DEBUG_ROLES) expect(roles(t)).not.toContain(`"${r}"`);
    }
    expect(menuTemplate('linux', true)).toEqual([]);
    expect(menuTemplate('win32', true)).toEqual([]);
  });

  it('keeps Edit on macOS (copy and paste of invite codes) and the default menu in development', () => {
    expect(menuTemplate('darwin', true)).toEqual(expect.arrayContaining([{ role: 'editMenu' }, { role: 'appMenu' }]));
    expect(menuTemplate('linux', false)).toBeNull();
  });
});
