// One 'upgrade' listener per HTTP server, routing by path: the peer link takes its path and
// every other upgrade goes to the listeners registered before (the broker's /mqtt, which
// refuses anything else), so they coexist without knowing about each other.
import type http from 'node:http';
import type { Duplex } from 'node:stream';

type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export function routeUpgrade(server: http.Server, path: string, handler: UpgradeHandler): void {
  const previous = server.listeners('upgrade') as UpgradeHandler[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] === path) return handler(req, socket, head);
    if (previous.length === 0) return socket.destroy();
    for (const l of previous) l.call(server, req, socket, head);
  });
}
