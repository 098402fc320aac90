// The players' MQTT broker (Aedes): TCP on --mqtt, WebSocket at /mqtt on the HTTP port.
// Authentication and topic ACLs are enforced here; commands are handed to the node.
import net from 'node:net';
import type http from 'node:http';
import { Aedes, type Client, type AuthenticateError } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Duplex } from 'node:stream';
import { canPublish, canSubscribe, isOwnClientId, PLAYER_ID_PATTERN, TOKEN_PATTERN } from './acl.ts';
import { GuardedStream } from './stream-guard.ts';
import { Subscribers } from './subscribers.ts';
import { isAllowedOrigin } from './origins.ts';
import { playerEventsTopic, matchEventsTopic, parseTopic } from '../../protocol/topics.ts';
import type { PlayerEvent, MatchEvent } from '../../protocol/events.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';

/** `limited`: a new player refused by the registration limits (CONNACK 3, server unavailable). */
export type AuthOutcome = 'ok' | 'bad' | 'unavailable' | 'limited';

/** Limits enforced while reading the players' byte streams (docs/security.md). */
export interface BrokerLimits {
  /** Largest packet before CONNECT has been read (a CONNECT is a few hundred bytes). */
  maxPacketBeforeConnect: number;
  /** Largest packet after it: a command payload of MAX_COMMAND_BYTES plus room for an ERRO. */
  maxPacketAfterConnect: number;
  /** A connection that has not sent CONNECT by then is closed. */
  connectTimeoutMs: number;
  /** Open connections (TCP and WebSocket together) per remote address. */
  maxConnectionsPerIp: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxPacketBeforeConnect: 4 * 1024,
  maxPacketAfterConnect: 128 * 1024,
  connectTimeoutMs: 5000,
  maxConnectionsPerIp: 32,
};

export interface BrokerDeps {
  log: Logger;
  metrics: Metrics;
  limits?: BrokerLimits;
  /** Addresses (http://host:port) of the cluster's members, this node's included: their UI may open /mqtt. */
  memberAddresses?: () => readonly string[];
}

/** The node's side of its players, given to `serve` once the ledger and matches run. */
export interface PlayerSide {
  /** `address`: the connection's remote address (for the registration limits). */
  authenticate: (playerId: string, token: string, address: string) => Promise<AuthOutcome>;
  /** A player's command arrived (ACL already checked). */
  onCommand: (playerId: string, payload: Buffer) => void;
  /** A player subscribed to its own events topic: time to greet it. */
  onPlayerReady: (playerId: string) => void;
  onPlayerGone: (playerId: string) => void;
  /** A player subscribed to one of its matches' topics. */
  onMatchSubscribed?: (playerId: string, matchId: string) => void;
  isInMatch: (playerId: string, matchId: string) => boolean;
}

/** Until `serve`: every player is told the server is unavailable (CONNACK 3). */
const NOT_SERVING: PlayerSide = {
  authenticate: () => Promise.resolve('unavailable'),
  onCommand: () => undefined,
  onPlayerReady: () => undefined,
  onPlayerGone: () => undefined,
  isInMatch: () => false,
};

export class PlayerBroker {
  private aedes!: Aedes;
  private tcp!: net.Server;
  private wss: WebSocketServer | null = null;
  /** playerId → ids of its live MQTT clients (a player may have two tabs open). */
  private readonly connected = new Map<string, Set<Client>>();
  private readonly playerOf = new WeakMap<Client, string>();
  /** Remote address → open connections from it. */
  private readonly perIp = new Map<string, number>();
  private readonly addressOf = new WeakMap<Duplex, string>();
  private readonly limits: BrokerLimits;
  private players: PlayerSide = NOT_SERVING;
  private readonly subscribers = new Subscribers();

  constructor(private readonly deps: BrokerDeps) {
    this.limits = deps.limits ?? DEFAULT_BROKER_LIMITS;
  }

  /** Starts accepting players: from now on they are authenticated and their commands handled. */
  serve(players: PlayerSide): void {
    this.players = players;
  }

  async start(host: string, port: number): Promise<void> {
    this.aedes = await Aedes.createBroker({
      connectTimeout: this.limits.connectTimeoutMs,
      // Client ids start with the player's id (a UUID), longer than MQTT 3.1's 23.
      maxClientsIdLength: 256,
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => {
        const player = client ? this.playerOf.get(client) : undefined;
        if (packet.retain) {
          // Retained messages are kept in memory for ever: a player's are never wanted.
          this.deps.metrics.brokerAuthFailures.inc({ reason: 'retained' });
          this.deps.log.info({ player, topic: packet.topic }, 'retained publish refused: closing connection');
          return done(new Error('retained publish not allowed'));
        }
        if (!client || !player || !canPublish(player, packet.topic)) {
          this.deps.metrics.brokerAuthFailures.inc({ reason: 'publish_acl' });
          this.deps.log.warn({ player, topic: packet.topic }, 'publish outside own commands topic: closing connection');
          return done(new Error('publish not allowed'));
        }
        this.players.onCommand(player, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
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
      const conn = (client as unknown as { conn: Duplex }).conn;
      // A refused subscription is granted 128 (outside the QoS type).
      for (const s of subs) if ((s.qos as number) !== 128) this.subscribers.add(s.topic, conn);
      if (subs.some((s) => s.topic === playerEventsTopic(player))) this.players.onPlayerReady(player);
      for (const s of subs) {
        const t = parseTopic(s.topic);
        if (t.kind === 'matchEvents') this.players.onMatchSubscribed?.(player, t.matchId);
      }
    });
    this.aedes.on('unsubscribe', (topics, client) => {
      const conn = (client as unknown as { conn: Duplex }).conn;
      for (const t of topics) this.subscribers.remove(t, conn);
    });
    this.aedes.on('clientDisconnect', (client) => this.forget(client));
    this.aedes.on('clientError', (client, err) => this.deps.log.debug({ client: client.id, err: err.message }, 'client error'));
    this.tcp = net.createServer((socket) => this.accept(socket, socket.remoteAddress ?? '?'));
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
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxPacketAfterConnect });
    server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').split('?')[0] !== '/mqtt') {
        socket.destroy();
        return;
      }
      const origin = req.headers.origin;
      if (!isAllowedOrigin(origin, this.deps.memberAddresses?.() ?? [])) {
        this.deps.metrics.brokerAuthFailures.inc({ reason: 'origin' });
        this.deps.log.info({ origin }, '/mqtt upgrade from a foreign origin refused');
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\norigin not allowed\n');
        return;
      }
      const address = req.socket.remoteAddress ?? '?';
      if ((this.perIp.get(address) ?? 0) >= this.limits.maxConnectionsPerIp) {
        this.deps.metrics.brokerAuthFailures.inc({ reason: 'connections_per_ip' });
        socket.end('HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ntoo many connections from this address\n');
        return;
      }
      this.wss!.handleUpgrade(req, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => ws.terminate());
        stream.on('close', () => ws.terminate());
        this.accept(stream, address, req);
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
    if (!retain) return this.subscribers.publish(topic, Buffer.from(JSON.stringify(body)));
    this.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(body)), qos: 0, retain, dup: false }, () => undefined);
  }

  async stop(): Promise<void> {
    this.wss?.clients.forEach((c) => c.terminate());
    this.wss?.close();
    await new Promise<void>((resolve) => (this.aedes ? this.aedes.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }

  /** A new connection: counted per address, then handed to aedes through the frame guard. */
  private accept(conn: Duplex, address: string, req?: http.IncomingMessage): void {
    const open = this.perIp.get(address) ?? 0;
    if (open >= this.limits.maxConnectionsPerIp) {
      this.deps.metrics.brokerAuthFailures.inc({ reason: 'connections_per_ip' });
      this.deps.log.info({ address, open }, 'too many connections from one address: closed');
      conn.destroy();
      return;
    }
    this.perIp.set(address, open + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      const n = (this.perIp.get(address) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(address);
      else this.perIp.set(address, n);
    };
    conn.once('close', release);
    const guarded = new GuardedStream(conn, { beforeConnect: this.limits.maxPacketBeforeConnect, afterConnect: this.limits.maxPacketAfterConnect }, (v) => {
      this.deps.metrics.brokerAuthFailures.inc({ reason: `stream_${v.reason}` });
      this.deps.log.info({ address, reason: v.reason, declared: v.declared }, 'MQTT stream refused: connection closed');
    });
    guarded.once('close', release);
    guarded.on('error', () => undefined);
    this.addressOf.set(guarded, address);
    this.aedes.handle(guarded, req);
  }

  private isMatchTopicAllowed(player: string, topic: string): boolean {
    const matchId = topic.split('/')[1];
    return this.players.isInMatch(player, matchId);
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
    if (!isOwnClientId(username, client.id)) {
      // Aedes drops an older connection with the same client id: tying the id to the
      // player means only the player itself can replace its own connection.
      this.deps.metrics.brokerAuthFailures.inc({ reason: 'client_id' });
      const err = new Error('identifier rejected: the client id must be the player id, or the player id, a dot and a suffix') as AuthenticateError;
      err.returnCode = 2;
      return done(err, false);
    }
    const address = this.addressOf.get((client as unknown as { conn: Duplex }).conn) ?? '?';
    this.players
      .authenticate(username, token, address)
      .then((outcome) => {
        if (outcome === 'bad') return refuse('wrong_token');
        if (outcome === 'limited') {
          this.deps.metrics.brokerAuthFailures.inc({ reason: 'registration_limit' });
          const err = new Error('server unavailable: no new players accepted from here now') as AuthenticateError;
          err.returnCode = 3;
          return done(err, false);
        }
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
    this.subscribers.drop((client as unknown as { conn: Duplex }).conn);
    const player = this.playerOf.get(client);
    if (!player) return;
    this.playerOf.delete(client);
    this.deps.metrics.brokerClients.dec();
    const set = this.connected.get(player);
    set?.delete(client);
    if (set && set.size === 0) {
      this.connected.delete(player);
      this.players.onPlayerGone(player);
    }
  }
}
