import { describe, it, expect } from 'vitest';
import { PROTOCOL_VERSION, UNVERSIONED, compatible, parseVersion, versionProblem } from './version.ts';

describe('protocol versions', () => {
  it('are compatible within one major version (within one minor for 0.x)', () => {
    expect(compatible('1.0.0', '1.9.3')).toBe(true);
    expect(compatible('1.2.0', '2.0.0')).toBe(false);
    expect(compatible('0.3.1', '0.3.9')).toBe(true);
    expect(compatible('0.3.1', '0.4.0')).toBe(false);
    expect(compatible('1.0.0', 'x')).toBe(false);
    expect(compatible('1.0.0', '1.0.0-rc.1')).toBe(true);
  });

  it('treat a peer that names no version as the unversioned 1.0.0 contract', () => {
    expect(UNVERSIONED).toBe('1.0.0');
    expect(versionProblem(undefined, 'peer x', 'node a', '1.2.0')).toBeNull();
    expect(versionProblem(undefined, 'peer x', 'node a', '2.0.0')).toMatch(/peer x speaks 1\.0\.0; upgrade peer x so/);
  });

  it('say who must upgrade: the side with the older version', () => {
    expect(versionProblem('2.0.0', 'peer b', 'node a', '1.4.0')).toMatch(/upgrade node a so/);
    expect(versionProblem('1.4.0', 'peer b', 'node a', '2.0.0')).toMatch(/upgrade peer b so/);
    expect(versionProblem('1.5.0', 'peer b', 'node a', '1.4.0')).toBeNull();
    expect(versionProblem('garbage', 'peer b', 'node a', '1.4.0')).toMatch(/peer b speaks garbage/);
  });

  it('PROTOCOL_VERSION is semver', () => {
    expect(parseVersion(PROTOCOL_VERSION)).not.toBeNull();
  });
});
