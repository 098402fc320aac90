// The node's one option table: the CLI's argv + environment and the desktop's values go through
// the same schema, and a usage error names the flag or variable at fault.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { DEFAULT_TIMING, NODE_OPTIONS, nodeConfigFromValues, parseMetricsBind, parseNodeOptions } from './config.ts';
import { UsageError, markdownTable, usage } from './cli/options.ts';

const base = ['--id', 'p1', '--http', '8081', '--mqtt', '1884', '--data', 'd'];

describe('NODE_OPTIONS', () => {
  it('gives every default when only the required flags are there', () => {
    const c = parseNodeOptions(base, {});
    expect(c).toMatchObject({ id: 'p1', httpPort: 8081, mqttPort: 1884, dataDir: path.resolve('d'), host: '127.0.0.1', join: [], stockScale: 1, snapshotEvery: 10_000, logLevel: 'info' });
    expect(c.timing).toEqual(DEFAULT_TIMING);
    expect(c.metricsBind).toBeUndefined();
  });

  it('reads an option from its environment variable when the flag is absent; the flag wins', () => {
    const env = { TRINCA_TURN_MS: '5000', TRINCA_LOG_LEVEL: 'warn', TRINCA_METRICS_BIND: '127.0.0.1:9464', TRINCA_SNAPSHOT_EVERY: '' };
    const c = parseNodeOptions([...base, '--log-level', 'debug'], env);
    expect(c.timing.turnMs).toBe(5000);
    expect(c.logLevel).toBe('debug');
    expect(c.metricsBind).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(c.snapshotEvery).toBe(10_000); // empty = absent
  });

  it('names the flag or the variable in a usage error', () => {
    expect(() => parseNodeOptions(base.slice(2), {})).toThrow(new UsageError('--id is required'));
    expect(() => parseNodeOptions([...base, '--forfeit-ms=-1'], {})).toThrow('--forfeit-ms must be a positive integer, got "-1"');
    expect(() => parseNodeOptions([...base, '--forfeit-ms', '-1'], {})).toThrow(/--forfeit-ms' argument is ambiguous\. .*'--forfeit-ms=-XYZ'/);
    expect(() => parseNodeOptions(base, { TRINCA_STOCK_SCALE: '1.5' })).toThrow('TRINCA_STOCK_SCALE must be a positive integer, got "1.5"');
    expect(() => parseNodeOptions([...base, '--log-level', 'loud'], {})).toThrow(/--log-level must be one of fatal, error/);
    expect(() => parseNodeOptions([...base, 'extra'], {})).toThrow(UsageError);
  });

  it('serves --metrics-bind on loopback only', () => {
    expect(parseMetricsBind('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseMetricsBind('localhost:1')).toEqual({ host: 'localhost', port: 1 });
    for (const bad of ['0.0.0.0:9464', '192.168.1.2:9464', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', ':9464']) expect(() => parseMetricsBind(bad), bad).toThrow();
  });

  it('is what the desktop parses too: its values, then the same environment', () => {
    const c = nodeConfigFromValues({ id: 'desk', httpPort: '9000', mqttPort: '9001', dataDir: '/tmp/x', host: '0.0.0.0', advertise: 'http://10.0.0.2:9000' }, { TRINCA_FORFEIT_MS: '7000', TRINCA_LOG_LEVEL: 'error' });
    expect(c).toMatchObject({ id: 'desk', httpPort: 9000, host: '0.0.0.0', advertise: 'http://10.0.0.2:9000', logLevel: 'error' });
    expect(c.timing.disconnectForfeitMs).toBe(7000);
    expect(() => nodeConfigFromValues({ id: 'desk', httpPort: '9000', mqttPort: '9000', dataDir: '/tmp/x' }, {})).toThrow('--mqtt and --http must be different ports');
  });

  it('usage and the Markdown table list every option', () => {
    const text = usage('trinca node', NODE_OPTIONS);
    const table = markdownTable(NODE_OPTIONS);
    for (const s of Object.values(NODE_OPTIONS) as { flag?: string; env?: string }[]) {
      if (s.flag) expect(text).toContain(`--${s.flag}`);
      if (s.env) expect(table).toContain(s.env);
    }
  });
});
