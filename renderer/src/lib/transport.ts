// The MQTT link to one node, behind a small interface so stores can be tested with a fake.
// The real one (mqtt-transport.ts) is loaded lazily: MQTT.js is the largest dependency.

export interface TransportClient {
  /** Resolves false when the broker refused the subscription (SUBACK 128). */
  subscribe(topic: string): Promise<boolean>;
  unsubscribe(topic: string): Promise<void>;
  publish(topic: string, payload: string): void;
  /** Closes the link; no close callback fires for a requested end. */
  end(): Promise<void>;
  onMessage(cb: (topic: string, payload: string) => void): void;
  /** The link dropped (node died, network lost, or the broker closed it). */
  onClose(cb: (reason: string) => void): void;
}

export interface ConnectOptions {
  username: string;
  password: string;
  clientId: string;
}

/** Thrown when the node refuses the credentials: no other peer will accept them either. */
export class AuthRefused extends Error {
  readonly authRefused = true;
}

export type Connector = (url: string, opts: ConnectOptions) => Promise<TransportClient>;

export const mqttConnector: Connector = async (url, opts) => {
  const { connectMqtt } = await import('./mqtt-transport.ts');
  return connectMqtt(url, opts);
};

/** ws(s)://host/mqtt for a node's http(s) address. */
export function wsUrlFor(httpAddress: string): string {
  const u = new URL(httpAddress);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/mqtt';
  u.search = '';
  u.hash = '';
  return u.toString();
}

/** The page's own node (the one that served it). */
export function originWsUrl(loc: Pick<Location, 'protocol' | 'host'> = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/mqtt`;
}
