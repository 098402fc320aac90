// The splash page shown while the desktop app's node starts: static HTML (no script), both
// languages, reduced motion respected. Kept apart from splash.ts so it can be rendered and
// looked at without Electron.
export const SPLASH_HTML = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Trinca</title><style>
html,body{margin:0;height:100%;background:#10141f;color:#e9ecf5;font:16px system-ui,sans-serif}
body{display:flex;flex-direction:column;align-items:center;justify-content:center;gap:14px}
h1{margin:0;font-size:30px;letter-spacing:.04em;color:#f2b534}
.bar{width:180px;height:4px;border-radius:2px;background:#252c44;overflow:hidden}
.bar i{display:block;width:40%;height:100%;background:#f2b534;animation:s 1.1s ease-in-out infinite}
@keyframes s{0%{transform:translateX(-100%)}100%{transform:translateX(250%)}}
@media (prefers-reduced-motion:reduce){.bar i{animation:none;width:100%}}
</style></head><body><h1>Trinca</h1><div class="bar"><i></i></div><p>Starting your node… / Iniciando seu nó…</p></body></html>`;
