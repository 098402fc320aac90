// The players' MQTT broker (Aedes): TCP on --mqtt, WebSocket at /mqtt on the HTTP port.
// Authentication and topic ACLs are enforced here; commands are handed to the node.
import net from 'node:net';
import type http from 'node:http';
import { Aedes, type Client, type AuthenticateError } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { canPublish, canSubscribe, PLAYER_ID_PATTERN, TOKEN_PATTERN } from './acl.ts';
import { playerEventsTopic, matchEventsTopic, parseTopic } from '../../protocol/topics.ts';
import type { PlayerEvent, MatchEvent } from '../../protocol/events.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';

export type AuthOutcome = 'ok' | 'bad' | 'unavailable';

export interface BrokerDeps {
  log: Logger;
  metrics: Metrics;
  authenticate: (playerId: string, token: string) => Promise<AuthOutcome>;
  /** A player's command arrived (ACL already checked). */
  onCommand: (playerId: string, payload: Buffer) => void;
  /** A player subscribed to its own events topic: time to greet it. */
  onPlayerReady: (playerId: string) => void;
  onPlayerGone: (playerId: string) => void;
  /** A player subscribed to one of its matches' topics. */
  onMatchSubscribed?: (playerId: string, matchId: string) => void;
  isInMatch: (playerId: string, matchId: string) => boolean;
}

export class PlayerBroker {
  private aedes!: Aedes;
  private tcp!: net.Server;
  private wss: WebSocketServer | null = null;
  /** playerId → ids of its live MQTT clients (a player may have two tabs open). */
  private readonly connected = new Map<string, Set<Client>>();
  private readonly playerOf = new WeakMap<Client, string>();

  constructor(private readonly deps: BrokerDeps) {}

  async start(host: string, port: number): Promise<void> {
    this.aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => {
        const player = client ? this.playerOf.get(client) : undefined;
        if (!client || !player || !canPublish(player, packet.topic)) {
          this.deps.metrics.brokerAuthFailures.inc({ reason: 'publish_acl' });
          this.deps.log.warn({ player, topic: packet.topic }, 'publish outside own commands topic: closing connection');
          return done(new Error('publish not allowed'));
        }
        this.deps.onCommand(player, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const player = this.playerOf.get(client);
        const decision = player ? canSubscribe(player, sub.topic) : 'deny';
        const ok = decision === 'allow' || (decision === 'ask-match' && !!player && this.isMatchTopicAllowed(player, sub.topic));
        if (!ok) this.deps.metrics.brokerAuthFailures.inc({ reason: 'subscribe_acl' });
        done(null, ok ? sub : null);
      },
    });
    this.aedes.on('subscribe', (subs, client) => {
      const player = this.playerOf.get(client);
      if (!player) return;
      if (subs.some((s) => s.topic === playerEventsTopic(player))) this.deps.onPlayerReady(player);
      for (const s of subs) {
        const t = parseTopic(s.topic);
        if (t.kind === 'matchEvents') this.deps.onMatchSubscribed?.(player, t.matchId);
      }
    });
    this.aedes.on('clientDisconnect', (client) => this.forget(client));
    this.aedes.on('clientError', (client, err) => this.deps.log.debug({ client: client.id, err: err.message }, 'client error'));
    this.tcp = net.createServer((socket) => this.aedes.handle(socket));
    await new Promise<void>((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(port, host, () => {
        this.tcp.off('error', reject);
        resolve();
      });
    });
  }

  /** Serves MQTT over WebSocket at /mqtt on the node's HTTP server. */
  attachWebSocket(server: http.Server): void {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
    server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').split('?')[0] !== '/mqtt') {
        socket.destroy();
        return;
      }
      this.wss!.handleUpgrade(req, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => ws.terminate());
        this.aedes.handle(stream, req);
      });
    });
  }

  isConnected(playerId: string): boolean {
    return (this.connected.get(playerId)?.size ?? 0) > 0;
  }

  connectedPlayers(): string[] {
    return [...this.connected.keys()];
  }

  sendToPlayer(playerId: string, event: PlayerEvent): void {
    this.publish(playerEventsTopic(playerId), event, false);
  }

  sendToMatch(matchId: string, event: MatchEvent): void {
    this.publish(matchEventsTopic(matchId), event, false);
  }

  publish(topic: string, body: unknown, retain: boolean): void {
    if (!this.aedes || this.aedes.closed) return;
    this.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(body)), qos: 0, retain, dup: false }, () => undefined);
  }

  async stop(): Promise<void> {
    this.wss?.clients.forEach((c) => c.terminate());
    this.wss?.close();
    await new Promise<void>((resolve) => (this.aedes ? this.aedes.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }

  private isMatchTopicAllowed(player: string, topic: string): boolean {
    const matchId = topic.split('/')[1];
    return this.deps.isInMatch(player, matchId);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const refuse = (reason: string) => {
      this.deps.metrics.brokerAuthFailures.inc({ reason });
      const err = new Error('bad username or password') as AuthenticateError;
      err.returnCode = 4;
      done(err, false);
    };
    const token = password?.toString('utf8') ?? '';
    if (!username || !PLAYER_ID_PATTERN.test(username)) return refuse('bad_player_id');
    if (!TOKEN_PATTERN.test(token)) return refuse('bad_token_format');
    this.deps
      .authenticate(username, token)
      .then((outcome) => {
        if (outcome === 'bad') return refuse('wrong_token');
        if (outcome === 'unavailable') {
          const err = new Error('server unavailable') as AuthenticateError;
          err.returnCode = 3;
          return done(err, false);
        }
        this.playerOf.set(client, username);
        let set = this.connected.get(username);
        if (!set) this.connected.set(username, (set = new Set()));
        set.add(client);
        this.deps.metrics.brokerClients.inc();
        done(null, true);
      })
      .catch((err: Error) => {
        this.deps.log.error({ err: err.message }, 'authentication failed');
        const e = new Error('server unavailable') as AuthenticateError;
        e.returnCode = 3;
        done(e, false);
      });
  }

  private forget(client: Client): void {
    const player = this.playerOf.get(client);
    if (!player) return;
    this.playerOf.delete(client);
    this.deps.metrics.brokerClients.dec();
    const set = this.connected.get(player);
    set?.delete(client);
    if (set && set.size === 0) {
      this.connected.delete(player);
      this.deps.onPlayerGone(player);
    }
  }
}
