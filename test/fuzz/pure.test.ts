// Fuzzing the pure parsers a user feeds by hand (fast-check): invite codes (decodeInvite)
// and the node's command line (parseNodeArgs in server/cli.ts). Properties: the answer is a
// well-formed value or the parser's own error (InviteError / UsageError / node's
// ERR_PARSE_ARGS_*), never a crash of another kind; what is accepted satisfies every rule
// the node relies on; a valid invite round-trips.
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { decodeInvite, encodeInvite, InviteError } from '../../server/cluster/invite.ts';
import { parseNodeArgs, UsageError } from '../../server/cli.ts';
import { ID_PATTERN } from '../../server/config.ts';
import { anyJson, mutateObject, report, timeBoxed } from './support.ts';

const MS = Number(process.env.TRINCA_FUZZ_MS_PER_SURFACE ?? 1200) * 2;
const SECRET = 'A'.repeat(43);

afterAll(() => report('pure'));

const validInvite = fc.record({
  clusterId: fc.string({ minLength: 1, maxLength: 128 }),
  secret: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  peers: fc.array(fc.webUrl({ validSchemes: ['http'] }), { minLength: 1, maxLength: 5 }),
});

describe('invite codes (decodeInvite)', () => {
  it('decodes to a valid invite or throws InviteError, never anything else', async () => {
    const b64 = (o: unknown) => 'trinca1.' + Buffer.from(JSON.stringify(o) ?? '').toString('base64url');
    const codes = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200 }).map((s) => 'trinca1.' + s),
      fc.uint8Array({ maxLength: 200 }).map((b) => 'trinca1.' + Buffer.from(b).toString('base64url')),
      anyJson.map(b64),
      mutateObject({ c: 'cluster', s: SECRET, p: ['http://127.0.0.1:8081'] }).map(b64),
      validInvite.map((i) => encodeInvite(i)).chain((code) => fc.record({ at: fc.nat(code.length), ch: fc.string({ minLength: 0, maxLength: 3 }) }).map(({ at, ch }) => code.slice(0, at) + ch + code.slice(at + 1))),
    );
    await timeBoxed('decodeInvite', codes, MS, async (code) => {
      try {
        const inv = decodeInvite(code);
        expect(inv.clusterId.length).toBeGreaterThan(0);
        expect(inv.clusterId.length).toBeLessThanOrEqual(128);
        expect(inv.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(inv.peers.length).toBeGreaterThan(0);
        for (const p of inv.peers) expect(() => new URL(p)).not.toThrow();
      } catch (err) {
        if (!(err instanceof InviteError)) throw err;
        expect(err.message).toMatch(/invite/);
      }
    });
  });

  it('round-trips every valid invite', async () => {
    await timeBoxed('decodeInvite/roundtrip', validInvite, MS / 4, async (inv) => {
      expect(decodeInvite(encodeInvite(inv))).toEqual(inv);
      expect(decodeInvite(`  ${encodeInvite(inv)}\n`)).toEqual(inv);
    });
  });
});

describe('node flags (parseNodeArgs)', () => {
  const FLAGS = ['--id', '--http', '--mqtt', '--data', '--host', '--advertise', '--secret-file', '--join', '--invite', '--stock-scale', '--ui', '--log-level', '--turn-ms', '--forfeit-ms'];
  const value = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.integer({ min: -10, max: 70_000 }).map(String),
    fc.constantFrom('0', '1', '65535', '65536', '1e3', '0x50', ' 8081', 'NaN', '', '-', '--', 'p1', 'http://127.0.0.1:8081', 'ftp://x', 'http://a,b', '/tmp/x', 'a'.repeat(70)),
    validInvite.map(encodeInvite),
  );
  const token = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...FLAGS) }, { weight: 3, arbitrary: value }, { weight: 1, arbitrary: fc.constantFrom('--bogus', '-x', '--id=p1', 'node', '--http=8081') });
  const base = ['--id', 'p1', '--http', '8081', '--mqtt', '1884', '--data', '/tmp/trinca-fuzz'];
  const argvs = fc.oneof(
    fc.array(token, { maxLength: 14 }),
    // Near-valid: the minimal valid line with one value replaced, or a flag dropped, or extra flags.
    fc.record({ i: fc.nat(base.length - 1), v: value }).map(({ i, v }) => base.map((x, k) => (k === i ? v : x))),
    fc.nat(3).map((k) => [...base.slice(0, 2 * k), ...base.slice(2 * k + 2)]),
    fc.array(fc.tuple(fc.constantFrom(...FLAGS.slice(4)), value), { maxLength: 4 }).map((extra) => [...base, ...extra.flat()]),
  );
  const env = fc.record({ TRINCA_SECRET: fc.option(fc.oneof(fc.constant(SECRET), fc.string({ maxLength: 50 })), { nil: undefined }), TRINCA_SNAPSHOT_EVERY: fc.option(value, { nil: undefined }) }, { requiredKeys: [] });

  it('accepts a consistent configuration or refuses with a usage error, never anything else', async () => {
    let accepted = 0;
    await timeBoxed('parseNodeArgs', fc.tuple(argvs, env), MS, async ([argv, e]) => {
      const cleanEnv: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(e)) if (v !== undefined) cleanEnv[k] = v;
      let cfg;
      try {
        cfg = parseNodeArgs(argv, cleanEnv);
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (err instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) return;
        throw err;
      }
      accepted++;
      expect(cfg.id).toMatch(ID_PATTERN);
      for (const p of [cfg.httpPort, cfg.mqttPort]) expect(Number.isInteger(p) && p >= 1 && p <= 65535).toBe(true);
      expect(cfg.httpPort).not.toBe(cfg.mqttPort);
      expect(path.isAbsolute(cfg.dataDir)).toBe(true);
      for (const j of cfg.join) expect(() => new URL(j)).not.toThrow();
      if (cfg.advertise) expect(new URL(cfg.advertise).protocol).toBe('http:');
      expect(Number.isInteger(cfg.stockScale) && cfg.stockScale >= 1).toBe(true);
      expect(Number.isInteger(cfg.snapshotEvery) && cfg.snapshotEvery >= 1).toBe(true);
      expect(Number.isInteger(cfg.timing.turnMs) && cfg.timing.turnMs >= 1).toBe(true);
      expect(cfg.secret === undefined || cfg.secretFile === undefined).toBe(true);
    });
    expect(accepted).toBeGreaterThan(0);
  });
});
