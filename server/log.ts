// Structured JSON logs (DESIGN §11): one pino root per node, a child per component.
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

export function createRootLogger(nodeId: string, level: string): Logger {
  // Logs go to stderr: stdout carries only the READY line a supervisor waits for.
  return pino({ level, base: { node: nodeId } }, pino.destination({ dest: 2, sync: false }));
}

export const componentLogger = (root: Logger, component: Component): Logger => root.child({ component });
