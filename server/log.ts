// Structured JSON logs (docs/design.md §11): one pino root per node, a child per component.
import pino, { type Logger } from 'pino';

export type Component =
  | 'NODE'
  | 'HTTP'
  | 'MATCHMAKING'
  | 'HOST'
  | 'SHADOW'
  | 'GAME-REPLICATE'
  | 'FAILOVER'
  | 'RAFT'
  | 'ESTOQUE'
  | 'CLUSTER'
  | 'BROKER'
  | 'LINK';

export type { Logger };

export function createRootLogger(nodeId: string, level: string, file?: string): Logger {
  // Logs go to stderr (stdout carries only the READY line a supervisor waits for), or to a file.
  const dest = file ? pino.destination({ dest: file, sync: false, mkdir: true, append: true }) : pino.destination({ dest: 2, sync: false });
  return pino({ level, base: { node: nodeId } }, dest);
}

export const componentLogger = (root: Logger, component: Component): Logger => root.child({ component });
