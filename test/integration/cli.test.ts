// The CLI contract (docs/design.md §2): one clear line and a non-zero exit for every bad start;
// `trinca cluster` brings up three peers and Ctrl-C stops them all; invites work.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BIN, Peer, runCli, tempDir, waitFor } from '../support/peer.ts';
import { freePorts } from '../support/ports.ts';
import { getJson } from '../support/http.ts';
import type { ServerInfo } from '../../protocol/rest.ts';
import { COMMANDS } from '../../server/cli.ts';
import { NODE_OPTIONS } from '../../server/config.ts';
import { markdownTable, type OptionSpec } from '../../server/cli/options.ts';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => l.startsWith('trinca:'));
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('trinca --help, --version and every command\'s usage', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };

  it('--version prints the app and protocol versions and exits 0', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`trinca ${pkg.version} (protocol ${PROTOCOL_VERSION})\n`);
      expect(r.stderr).toBe('');
    }
  });

  it('--help lists every command and exits 0; no command prints it and exits 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe(help.stdout);
  });

  it('every command answers --help (and -h, even after other flags) with every flag and its default, exit 0', async () => {
    expect(Object.keys(COMMANDS).sort()).toEqual(['cluster', 'invite', 'node', 'remove-peer', 'token']);
    for (const [name, cmd] of Object.entries(COMMANDS)) {
      for (const args of [[name, '--help'], [name, '--data', '/nonexistent', '-h'], ['help', name]]) {
        const r = await runCli(args);
        expect(r.code, args.join(' ')).toBe(0);
        expect(r.stderr, args.join(' ')).toBe('');
        expect(r.stdout, args.join(' ')).toMatch(new RegExp(`^usage: trinca ${name} `));
        for (const spec of Object.values(cmd.options) as OptionSpec[]) {
          const line = r.stdout.split('\n').find((l) => (spec.flag ? l.startsWith(`  --${spec.flag} `) : l.startsWith(`  env ${spec.env} `)));
          expect(line, `${name}: ${spec.flag ?? spec.env}`).toBeDefined();
          if (spec.shows !== undefined) expect(line).toContain(`default ${spec.shows}`);
          if (spec.flag && spec.env) expect(line).toContain(`env ${spec.env}`);
        }
      }
    }
  });

  it('the node usage names every flag, timers and UI included', async () => {
    const r = await runCli(['node', '--help']);
    for (const f of ['--turn-ms MS', '--forfeit-ms MS', '--ui DIR', '--log-level LEVEL', '--metrics-bind HOST:PORT', '--stock-scale N', '--invite CODE']) expect(r.stdout).toContain(f);
    expect((await runCli(['cluster', '--help'])).stdout).toContain('--stock-scale N');
  });

  it('README lists every command with its flags and carries the node\'s option table as the schema makes it', () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    // After adding an option, paste the table this prints into README.md:
    //   npx tsx -e "import {markdownTable} from './server/cli/options.ts'; import {NODE_OPTIONS} from './server/config.ts'; console.log(markdownTable(NODE_OPTIONS))"
    expect(readme).toContain(markdownTable(NODE_OPTIONS));
    for (const [name, cmd] of Object.entries(COMMANDS)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`trinca ${name} `));
      expect(row, name).toBeDefined();
      if (name === 'node') continue; // its flags are the table above
      for (const spec of Object.values(cmd.options) as OptionSpec[]) if (spec.flag) expect(row, `${name} --${spec.flag}`).toContain(`--${spec.flag}`);
    }
  });

  it('a usage error names the flag, points at --help and exits 2', async () => {
    const r = await runCli(['cluster', '--size', '12']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe('trinca: --size must be an integer 1–9, got "12" (trinca cluster --help lists the options)');
    const env = await runCli(['node', '--id', 'a', '--http', '1', '--mqtt', '2', '--data', dir()], { TRINCA_TURN_MS: 'soon' });
    expect(env.code).toBe(2);
    expect(oneLine(env.stderr)).toMatch(/^trinca: TRINCA_TURN_MS must be a positive integer, got "soon"/);
    const bind = await runCli(['node', '--id', 'a', '--http', '1', '--mqtt', '2', '--data', dir(), '--metrics-bind', '0.0.0.0:9464']);
    expect(bind.code).toBe(2);
    expect(oneLine(bind.stderr)).toMatch(/--metrics-bind .*must be a loopback address/);
  });
});

describe('trinca node: refusing bad starts', () => {
  it('bad flags', async () => {
    const [h, m] = await freePorts(2);
    const d = dir();
    const cases: [string[], RegExp][] = [
      [['node', '--http', String(h), '--mqtt', String(m), '--data', d], /--id is required/],
      [['node', '--id', 'a', '--http', 'x', '--mqtt', String(m), '--data', d], /--http must be a port/],
      [['node', '--id', 'a', '--http', String(h), '--mqtt', String(m), '--data', d, '--bogus'], /[Uu]nknown option '--bogus'/],
      [['node', '--id', 'a b', '--http', String(h), '--mqtt', String(m), '--data', d], /--id must be/],
      [['node', '--id', 'a', '--http', String(h), '--mqtt', String(h), '--data', d], /different ports/],
      [['node', '--id', 'a', '--http', String(h), '--mqtt', String(m), '--data', d, '--invite', 'garbage'], /--invite/],
      [['node', '--id', 'a', '--http', String(h), '--mqtt', String(m), '--data', d, '--stock-scale', '0'], /--stock-scale/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(oneLine(r.stderr)).toMatch(re);
      expect(r.stdout).not.toContain('READY');
    }
  });

  it('a busy port', async () => {
    const [h, m] = await freePorts(2);
    const blocker = net.createServer().listen(h, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const r = await runCli(['node', '--id', 'a', '--http', String(h), '--mqtt', String(m), '--data', dir()]);
      expect(r.code).not.toBe(0);
      expect(oneLine(r.stderr)).toMatch(new RegExp(`port ${h}.*in use`));
    } finally {
      blocker.close();
    }
    const blocker2 = net.createServer().listen(m, '127.0.0.1');
    await new Promise((r) => blocker2.once('listening', r));
    try {
      const r = await runCli(['node', '--id', 'a', '--http', String(h), '--mqtt', String(m), '--data', dir()]);
      expect(r.code).not.toBe(0);
      expect(oneLine(r.stderr)).toMatch(new RegExp(`MQTT port ${m}.*in use`));
    } finally {
      blocker2.close();
    }
  });

  it('an unusable data dir', async () => {
    const [h, m] = await freePorts(2);
    const file = path.join(dir(), 'a-file');
    fs.writeFileSync(file, 'x');
    const r = await runCli(['node', '--id', 'a', '--http', String(h), '--mqtt', String(m), '--data', path.join(file, 'sub')]);
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toMatch(/data dir .* not usable/);
  });

  it('joining with a missing or wrong secret', async () => {
    const [h1, m1, h2, m2] = await freePorts(4);
    const root = dir();
    const boot = new Peer({ id: 'p1', dataDir: path.join(root, 'p1'), httpPort: h1, mqttPort: m1 });
    await boot.start();
    try {
      const missing = await runCli(['node', '--id', 'p2', '--http', String(h2), '--mqtt', String(m2), '--data', path.join(root, 'p2'), '--join', boot.url], { TRINCA_SECRET: '' });
      expect(missing.code).not.toBe(0);
      expect(oneLine(missing.stderr)).toMatch(/needs the cluster secret/);
      const wrong = await runCli(['node', '--id', 'p2', '--http', String(h2), '--mqtt', String(m2), '--data', path.join(root, 'p2b'), '--join', boot.url], {
        TRINCA_SECRET: Buffer.alloc(32, 7).toString('base64url'),
      });
      expect(wrong.code).not.toBe(0);
      expect(oneLine(wrong.stderr)).toMatch(/wrong cluster secret/);
      const malformed = await runCli(['node', '--id', 'p2', '--http', String(h2), '--mqtt', String(m2), '--data', path.join(root, 'p2c'), '--join', boot.url], { TRINCA_SECRET: 'abc' });
      expect(malformed.code).not.toBe(0);
      expect(oneLine(malformed.stderr)).toMatch(/32 bytes/);
      // The refused joins changed nothing.
      const servers = (await getJson<ServerInfo[]>(`${boot.url}/servers`)).body;
      expect(servers.map((s) => s.id)).toEqual(['p1']);
      // The bootstrap secret file is mode 0600.
      expect(fs.statSync(path.join(root, 'p1', 'secret')).mode & 0o777).toBe(0o600);
    } finally {
      await boot.stop();
    }
  });
});

describe('invites', () => {
  it('trinca invite prints a code a new peer joins with', async () => {
    const [h1, m1, h2, m2] = await freePorts(4);
    const root = dir();
    const boot = new Peer({ id: 'a1', dataDir: path.join(root, 'a1'), httpPort: h1, mqttPort: m1 });
    await boot.start();
    let joiner: Peer | null = null;
    try {
      const inv = await runCli(['invite', '--data', path.join(root, 'a1')]);
      expect(inv.code).toBe(0);
      const code = inv.stdout.trim();
      expect(code).toMatch(/^trinca1\./);
      joiner = new Peer({ id: 'a2', dataDir: path.join(root, 'a2'), httpPort: h2, mqttPort: m2, extraArgs: ['--invite', code] });
      await joiner.start();
      await waitFor('both see each other', async () => {
        const s = (await getJson<ServerInfo[]>(`${boot.url}/servers`)).body;
        return s.length === 2 && s.every((x) => x.alive);
      });
      const h = (await getJson<{ clusterId: string }>(`${joiner.url}/health`)).body;
      expect(h.clusterId).toBe((await getJson<{ clusterId: string }>(`${boot.url}/health`)).body.clusterId);
      // Restart needs no flags beyond the basics: the secret was stored (0600).
      expect(fs.statSync(path.join(root, 'a2', 'secret')).mode & 0o777).toBe(0o600);
      await joiner.stop();
      joiner = new Peer({ id: 'a2', dataDir: path.join(root, 'a2'), httpPort: h2, mqttPort: m2 });
      await joiner.start();
      // Wrong node id for an existing data dir is refused.
      const r = await runCli(['node', '--id', 'zz', '--http', String(h2 + 0), '--mqtt', String(m2), '--data', path.join(root, 'a2')]);
      expect(r.code).not.toBe(0);
      expect(oneLine(r.stderr)).toMatch(/belongs to node "a2"/);
    } finally {
      await joiner?.stop();
      await boot.stop();
    }
  });
});

describe('trinca cluster', () => {
  it('starts three peers, prints their URLs, and Ctrl-C stops all three', async () => {
    const [h, m] = await freePorts(2);
    // Pick a base where h..h+2 and m..m+2 are likely free: ephemeral ports are sparse.
    const root = dir();
    const proc = spawn(process.execPath, [BIN, 'cluster', '--base-http', String(h), '--base-mqtt', String(m + 10), '--data', root], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRINCA_LOG_LEVEL: 'warn' },
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor('cluster running', () => out.includes('cluster running'), 30_000, 100).catch((e: Error) => {
      throw new Error(`${e.message}\nstdout: ${out}\nstderr: ${err}`);
    });
    for (let i = 0; i < 3; i++) expect(out).toContain(`http://127.0.0.1:${h + i}/`);
    await waitFor('3 alive', async () => {
      const s = (await getJson<ServerInfo[]>(`http://127.0.0.1:${h + 2}/servers`)).body;
      return s.length === 3 && s.every((x) => x.alive);
    }, 5000);
    const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    for (let i = 0; i < 3; i++) {
      await expect(fetch(`http://127.0.0.1:${h + i}/health`)).rejects.toThrow();
    }
    // Each peer's secret is in its own data dir: the printed command restarts one alone.
    expect(out).toContain(`--id p2 --http ${h + 1} --mqtt ${m + 11} --data ${root}/p2`);
    const again = spawn(process.execPath, [BIN, 'node', '--id', 'p2', '--http', String(h + 1), '--mqtt', String(m + 11), '--data', `${root}/p2`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRINCA_LOG_LEVEL: 'warn' },
    });
    let out2 = '';
    let err2 = '';
    again.stdout.on('data', (d: Buffer) => (out2 += d.toString()));
    again.stderr.on('data', (d: Buffer) => (err2 += d.toString()));
    try {
      await waitFor('p2 ready again', () => out2.includes('READY p2'), 20_000, 100).catch((e: Error) => {
        throw new Error(`${e.message}\nstdout: ${out2}\nstderr: ${err2}`);
      });
    } finally {
      const done = new Promise((r) => again.once('exit', r));
      again.kill('SIGTERM');
      await done;
    }
  });
});
