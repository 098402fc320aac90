// The player UI (renderer/): a plain web app built into renderer/dist, which every node
// serves at `/`. `npm run dev:ui` proxies the node's routes to a local node (default
// http://127.0.0.1:8081, override with TRINCA_NODE_URL).
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY_META } from './protocol/csp.ts';

const node = process.env.TRINCA_NODE_URL ?? 'http://127.0.0.1:8081';

/**
 * The production page carries the UI's Content-Security-Policy (protocol/csp.ts, the same one
 * the node and Electron send as a header) in a meta tag. Not applied to the dev server, whose
 * hot reload injects inline styles.
 */
export const CSP = CONTENT_SECURITY_POLICY_META;

function cspMeta(): Plugin {
  return {
    name: 'trinca-csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: '/',
  plugins: [vue(), cspMeta()],
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir: fileURLToPath(new URL('./renderer/dist', import.meta.url)),
    emptyOutDir: true,
    // Everything under /assets/: the node serves only `/`, `/index.html` and `/assets/*` without auth.
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    // Vue's SFC transform is slow on 2 cores; that is expected, not worth a warning per build.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: false,
    proxy: {
      // The node opens /mqtt only to its own origins: present the node's (dev server only).
      '/mqtt': { target: node.replace(/^http/, 'ws'), ws: true, headers: { origin: node } },
      '/servers': node,
      '/health': node,
    },
  },
});
