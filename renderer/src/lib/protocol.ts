// Renderer-side helpers over the wire contract in protocol/ (never duplicated here).
import type { PlayerCommand } from '../../../protocol/commands.ts';
import type { PlayerEvent, MatchEvent } from '../../../protocol/events.ts';

/** A command as the UI builds it: the connection store adds the requestId. */
export type CommandInput = PlayerCommand extends infer C ? (C extends PlayerCommand ? Omit<C, 'requestId'> : never) : never;

export type IncomingEvent = PlayerEvent | MatchEvent;

/** A command the node answered with `ERRO`, or that could not be delivered. */
export class CommandFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parses one MQTT payload into an event; null for anything that is not an object with a string `type`. */
export function parseEvent(payload: string): IncomingEvent | null {
  try {
    const v = JSON.parse(payload) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string') return v as IncomingEvent;
  } catch {
    // A malformed payload is ignored: the UI never trusts it enough to crash.
  }
  return null;
}
