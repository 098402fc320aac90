// MQTT topic names (docs/design.md §4). The only place topic strings are built or parsed.

export const CLUSTER_STATUS_TOPIC = 'cluster/status';

export const commandsTopic = (playerId: string): string => `jogadores/${playerId}/comandos`;
export const playerEventsTopic = (playerId: string): string => `jogadores/${playerId}/eventos`;
export const matchEventsTopic = (matchId: string): string => `partidas/${matchId}/eventos`;

export type ParsedTopic =
  | { kind: 'commands'; playerId: string }
  | { kind: 'playerEvents'; playerId: string }
  | { kind: 'matchEvents'; matchId: string }
  | { kind: 'clusterStatus' }
  | { kind: 'other' };

/** Parses a concrete topic (no wildcards: a '+' or '#' makes it 'other'). */
export function parseTopic(topic: string): ParsedTopic {
  if (topic === CLUSTER_STATUS_TOPIC) return { kind: 'clusterStatus' };
  if (/[+#]/.test(topic)) return { kind: 'other' };
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[1] === '') return { kind: 'other' };
  const [root, id, leaf] = parts;
  if (root === 'jogadores' && leaf === 'comandos') return { kind: 'commands', playerId: id };
  if (root === 'jogadores' && leaf === 'eventos') return { kind: 'playerEvents', playerId: id };
  if (root === 'partidas' && leaf === 'eventos') return { kind: 'matchEvents', matchId: id };
  return { kind: 'other' };
}

/** Largest command payload a node accepts (docs/design.md §4). */
export const MAX_COMMAND_BYTES = 64 * 1024;
