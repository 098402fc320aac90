// `node --import ./electron/testing/register-fake-electron.mjs out/main/index.js` runs the built
// main process against a fake `electron` module (no Electron runtime can be installed here).
import { register } from 'node:module';

register('./fake-electron-hooks.mjs', import.meta.url);
