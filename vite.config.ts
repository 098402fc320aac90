// The player UI (renderer/): a plain web app built into renderer/dist, which every node
// serves at `/`. `npm run dev:ui` proxies the node's routes to a local node (default
// http://127.0.0.1:8081, override with TRINCA_NODE_URL).
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

const node = process.env.TRINCA_NODE_URL ?? 'http://127.0.0.1:8081';

/**
 * The production page carries a strict Content-Security-Policy: no inline script or style,
 * no eval. `connect-src` allows WebSockets to any peer, because a player who loses its node
 * reconnects to another peer of the cluster (whose address comes from `/servers`).
 * Not applied to the dev server, whose hot reload injects inline styles.
 */
export const CSP = [
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
].join('; ');

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
      '/mqtt': { target: node.replace(/^http/, 'ws'), ws: true },
      '/servers': node,
      '/health': node,
    },
  },
});
