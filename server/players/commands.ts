// Player command dispatch: size check, parse + validate (protocol/commands.ts), route to the
// handler of the area that owns the command, and always answer: a result or `ERRO`.
import { parseCommand, type PlayerCommand, type CommandType } from '../../protocol/commands.ts';
import { MAX_COMMAND_BYTES } from '../../protocol/topics.ts';
import type { PlayerEvent } from '../../protocol/events.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { CommandLimiter } from './command-limits.ts';

/** A refusal the player should see as `ERRO {code, message}`. */
export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type CommandOf<T extends CommandType> = Extract<PlayerCommand, { type: T }>;
export type CommandHandler<T extends CommandType> = (playerId: string, cmd: CommandOf<T>) => Promise<PlayerEvent | void> | PlayerEvent | void;

export class CommandRouter {
  private readonly handlers = new Map<CommandType, CommandHandler<CommandType>>();

  constructor(
    private readonly reply: (playerId: string, event: PlayerEvent) => void,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    /** Per-player rate limits; none: unlimited (unit tests). */
    private readonly limiter?: CommandLimiter,
  ) {}

  on<T extends CommandType>(type: T, handler: CommandHandler<T>): this {
    this.handlers.set(type, handler as unknown as CommandHandler<CommandType>);
    return this;
  }

  async dispatch(playerId: string, payload: Buffer): Promise<void> {
    const rid = () => /"requestId"\s*:\s*"([^"]{1,128})"/.exec(payload.subarray(0, 4096).toString('utf8'))?.[1];
    if (payload.length > MAX_COMMAND_BYTES) {
      if (this.limited(playerId, null, rid)) return;
      this.metrics.brokerMessagesIn.inc({ type: 'unknown', outcome: 'too_large' });
      return this.reply(playerId, { type: 'ERRO', requestId: rid(), code: 'PAYLOAD_TOO_LARGE', message: `command exceeds ${MAX_COMMAND_BYTES} bytes` });
    }
    // The bucket is picked by the parsed type (a text search could be fooled by a repeated
    // key); an excess command is refused before anything else is done with it.
    const parsed = parseCommand(payload.toString('utf8'));
    if (this.limited(playerId, parsed.ok ? parsed.command.type : null, () => (parsed.ok ? parsed.command.requestId : parsed.requestId))) return;
    if (!parsed.ok) {
      this.metrics.brokerMessagesIn.inc({ type: 'invalid', outcome: parsed.code });
      return this.reply(playerId, { type: 'ERRO', requestId: parsed.requestId, code: parsed.code, message: parsed.message });
    }
    const cmd = parsed.command;
    const handler = this.handlers.get(cmd.type);
    try {
      if (!handler) throw new CommandError('UNAVAILABLE', `${cmd.type} is not served by this node`);
      const result = await handler(playerId, cmd);
      this.metrics.brokerMessagesIn.inc({ type: cmd.type, outcome: 'ok' });
      if (result) this.reply(playerId, result);
    } catch (err) {
      const known = err instanceof CommandError;
      this.metrics.brokerMessagesIn.inc({ type: cmd.type, outcome: known ? err.code : 'INTERNAL' });
      if (!known) this.log.error({ err, type: cmd.type, playerId }, 'command failed');
      this.reply(playerId, {
        type: 'ERRO',
        requestId: cmd.requestId,
        code: known ? err.code : 'INTERNAL',
        message: known ? err.message : 'internal error',
      });
    }
  }

  /** Takes a token for this command; if there is none, answers RATE_LIMITED and says so. */
  private limited(playerId: string, type: string | null, requestId: () => string | undefined): boolean {
    const t = this.limiter?.take(playerId, type);
    if (!t || t.ok) return false;
    this.metrics.brokerMessagesIn.inc({ type: type ?? 'invalid', outcome: 'RATE_LIMITED' });
    this.reply(playerId, {
      type: 'ERRO',
      requestId: requestId(),
      code: 'RATE_LIMITED',
      message: `too many commands: retry in ${t.retryAfterMs} ms`,
      retryAfterMs: t.retryAfterMs,
    });
    return true;
  }
}
