// electron-vite builds the main process (which bundles the node's TypeScript, keeping
// node_modules external) and the sandboxed preload as CommonJS `[name].cjs` (docs/stack.md, trap 5).
// The renderer is not built here: it is the web UI (vite.config.ts → renderer/dist), which the
// embedded node serves like every other node.
import { defineConfig } from 'electron-vite';
import { fileURLToPath } from 'node:url';

const entry = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      sourcemap: true,
      rollupOptions: { input: { index: entry('./electron/main.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: entry('./electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
});
