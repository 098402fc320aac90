import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { CONTENT_SECURITY_POLICY, LaunchOrigin, ORIGIN_ARG, UI_SECURITY_HEADERS, isAllowedNavigation, isAllowedPermission, isTrustedSender, mayExposeApi, originOf } from './security.ts';
import { CONTENT_SECURITY_POLICY_META } from '../protocol/csp.ts';
import { advertiseFor, defaultNodeId, localUiUrl } from './settings.ts';
import { ID_PATTERN } from '../server/config.ts';

const node = 'http://127.0.0.1:8081';

describe('desktop security rules', () => {
  it('the CSP forbids inline script, eval and framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });

  it('navigation stays on the node origin', () => {
    expect(isAllowedNavigation('http://127.0.0.1:8081/index.html', node)).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:8082/', node)).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd', node)).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)', node)).toBe(false);
    expect(isAllowedNavigation('http://127.0.0.1:8081/', null)).toBe(false);
    expect(originOf('not a url')).toBeNull();
  });

  it('only clipboard writes from the node page are permitted', () => {
    expect(isAllowedPermission('clipboard-sanitized-write', `${node}/`, node)).toBe(true);
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) expect(isAllowedPermission(p, `${node}/`, node)).toBe(false);
    expect(isAllowedPermission('clipboard-sanitized-write', 'https://evil.example/', node)).toBe(false);
  });

  it('IPC is served only to the main window’s top frame on the node origin', () => {
    const ok = { frameUrl: `${node}/`, isMainFrame: true, fromMainWindow: true };
    expect(isTrustedSender(ok, node)).toBe(true);
    expect(isTrustedSender({ ...ok, isMainFrame: false }, node)).toBe(false);
    expect(isTrustedSender({ ...ok, fromMainWindow: false }, node)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'https://evil.example/' }, node)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: null }, node)).toBe(false);
  });
});

describe('IPC trust is tied to this launch', () => {
  it('the preload exposes its API only on the origin the main process opened', () => {
    const argv = ['/opt/trinca/trinca', '--type=renderer', `${ORIGIN_ARG}${node}`];
    expect(mayExposeApi(node, argv)).toBe(true);
    expect(mayExposeApi('http://127.0.0.1:8082', argv)).toBe(false);
    expect(mayExposeApi('https://evil.example', argv)).toBe(false);
    expect(mayExposeApi('null', argv)).toBe(false); // file:, data: and sandboxed frames
    expect(mayExposeApi(node, ['/opt/trinca/trinca'])).toBe(false); // no origin given: nothing exposed
    expect(mayExposeApi(node, [`${ORIGIN_ARG}javascript:alert(1)`])).toBe(false);
  });

  it('the trusted origin is fixed once and never replaced', () => {
    const o = new LaunchOrigin();
    expect(o.get()).toBeNull();
    expect(o.set(`${node}/index.html`)).toBe(node);
    expect(o.set(`${node}/`)).toBe(node);
    expect(() => o.set('http://127.0.0.1:9999/')).toThrow(/origin of this launch/);
    expect(() => new LaunchOrigin().set('file:///x')).toThrow();
    expect(o.get()).toBe(node);
  });

  it('the CSP is the one defined in protocol/, with the security headers', () => {
    expect(CONTENT_SECURITY_POLICY.startsWith(CONTENT_SECURITY_POLICY_META)).toBe(true);
    expect(CONTENT_SECURITY_POLICY_META).not.toContain('frame-ancestors');
    expect(UI_SECURITY_HEADERS['X-Content-Type-Options']).toBe('nosniff');
    expect(UI_SECURITY_HEADERS['Referrer-Policy']).toBe('no-referrer');
  });
});

describe('packaging', () => {
  it('the builder config flips the Electron fuses (no run-as-node, NODE_OPTIONS or inspect; asar only and checked)', () => {
    const yml = fs.readFileSync(new URL('../build/electron-builder.yml', import.meta.url), 'utf8');
    const block = /^electronFuses:\n((?: {2}.*\n|\s*#.*\n)+)/m.exec(yml)?.[1] ?? '';
    const fuses = Object.fromEntries([...block.matchAll(/^ {2}(\w+): (true|false)$/gm)].map((m) => [m[1], m[2] === 'true']));
    expect(fuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    });
  });
});

describe('desktop settings', () => {
  it('derives a valid node id from any host name', () => {
    for (const h of ['Ana’s MacBook Pro', '', '---', 'x'.repeat(200), 'déjà-vu.local']) expect(defaultNodeId(h, 'ab12')).toMatch(ID_PATTERN);
    expect(defaultNodeId('Ana’s MacBook', 'ab12')).toBe('Ana-s-MacBook-ab12');
  });

  it('advertises the LAN address when bound to all interfaces, loopback for the window', () => {
    const nets = { lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }], eth0: [{ address: '192.168.1.20', family: 'IPv4', internal: false }] } as never;
    const s = { nodeId: 'a', httpPort: 8081, mqttPort: 1884, host: '0.0.0.0' };
    expect(advertiseFor(s, {}, nets)).toBe('http://192.168.1.20:8081');
    expect(advertiseFor(s, { TRINCA_ADVERTISE: 'http://me.example:9000/' }, nets)).toBe('http://me.example:9000');
    expect(advertiseFor({ ...s, host: '127.0.0.1' }, {}, nets)).toBe('http://127.0.0.1:8081');
    expect(localUiUrl(s)).toBe('http://127.0.0.1:8081/');
  });
});
