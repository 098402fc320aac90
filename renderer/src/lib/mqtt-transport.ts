// MQTT.js over WebSocket. Strict-CSP safe: `timerVariant: 'native'` (the default timer is a
// blob Worker, docs/stack.md, trap 6). Reconnection is the connection store's job (it may pick another
// peer), so MQTT.js's own reconnect is off. Topics are subscribed one by one (docs/stack.md, trap 7).
import mqtt, { type MqttClient } from 'mqtt';
import { AuthRefused, type ConnectOptions, type TransportClient } from './transport.ts';

export async function connectMqtt(url: string, opts: ConnectOptions): Promise<TransportClient> {
  const client = await new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(url, {
      username: opts.username,
      password: opts.password,
      clientId: opts.clientId,
      protocolVersion: 4,
      clean: true,
      keepalive: 10,
      connectTimeout: 4000,
      reconnectPeriod: 0,
      timerVariant: 'native',
      resubscribe: false,
    });
    const fail = (err: Error & { code?: number }) => {
      c.removeAllListeners();
      c.end(true);
      reject(err.code === 4 || err.code === 5 || /bad username|not authorized/i.test(err.message) ? new AuthRefused(err.message) : err);
    };
    c.once('connect', () => {
      c.removeListener('error', fail);
      c.removeListener('close', closed);
      resolve(c);
    });
    c.once('error', fail);
    const closed = () => fail(new Error(`cannot reach ${url}`));
    c.once('close', closed);
  });

  let ended = false;
  const closeCbs: ((reason: string) => void)[] = [];
  let lastError = '';
  client.on('error', (err) => (lastError = err.message));
  client.on('close', () => {
    if (ended) return;
    ended = true;
    for (const cb of closeCbs) cb(lastError || 'connection closed');
  });

  return {
    subscribe: (topic) =>
      new Promise((resolve) => {
        client.subscribe(topic, { qos: 0 }, (err, granted) => {
          resolve(!err && !!granted && granted.length > 0 && granted[0].qos !== 128);
        });
      }),
    unsubscribe: (topic) => new Promise((resolve) => client.unsubscribe(topic, () => resolve())),
    publish: (topic, payload) => {
      client.publish(topic, payload, { qos: 0 });
    },
    end: async () => {
      ended = true;
      await client.endAsync(true).catch(() => undefined);
    },
    onMessage: (cb) => client.on('message', (topic, payload) => cb(topic, payload.toString())),
    onClose: (cb) => closeCbs.push(cb),
  };
}
