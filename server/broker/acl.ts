// Topic ACLs for players (docs/design.md §4), as pure functions of the player and the topic.
import { parseTopic } from '../../protocol/topics.ts';

/** Player ids appear inside topic names, so they must not contain topic syntax. */
export const PLAYER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A token is 32+ random bytes in base64url (43+ characters). */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43,512}$/;

export function canPublish(playerId: string, topic: string): boolean {
  const t = parseTopic(topic);
  return t.kind === 'commands' && t.playerId === playerId;
}

export type SubscribeDecision = 'allow' | 'deny' | 'ask-match';

/** `ask-match`: allowed only if the player plays in that match (the caller checks). */
export function canSubscribe(playerId: string, topic: string): SubscribeDecision {
  const t = parseTopic(topic);
  if (t.kind === 'clusterStatus') return 'allow';
  if (t.kind === 'playerEvents') return t.playerId === playerId ? 'allow' : 'deny';
  if (t.kind === 'matchEvents') return 'ask-match';
  return 'deny';
}

/**
 * A player's MQTT client id is its player id, or the player id, a dot and any suffix (one
 * per tab). The dot cannot occur in a player id, so no player can pick an id that another
 * player's connections use, and so cannot make the broker drop them.
 */
export function isOwnClientId(playerId: string, clientId: string | null | undefined): boolean {
  if (!clientId) return false;
  return clientId === playerId || (clientId.startsWith(playerId + '.') && clientId.length <= playerId.length + 65);
}
