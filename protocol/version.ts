// The wire protocol's version (semver of the contract in docs/protocol.md, not of the app):
// /health, /register, /heartbeat and invite codes carry it. Peers work together within one
// major version; a minor version only adds what older peers may ignore (new optional
// fields, new endpoints they are not sent). docs/operations.md, "Upgrading a cluster", says
// how to move a cluster to a new major one peer at a time.
export const PROTOCOL_VERSION = '1.0.0';

/** What a peer that predates version numbers speaks: the 1.0.0 contract without the fields. */
export const UNVERSIONED = '1.0.0';

export const INCOMPATIBLE_VERSION = 'INCOMPATIBLE_VERSION';

/** Every peer request names its sender's protocol version in this header (peer-client.ts). */
export const VERSION_HEADER = 'x-trinca-protocol';

const SEMVER = /^(\d{1,6})\.(\d{1,6})\.(\d{1,6})(?:[-+][0-9A-Za-z.+-]{0,64})?$/;

export function parseVersion(v: string): [number, number, number] | null {
  const m = SEMVER.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** Same major version (for 0.x, the same minor: semver's "anything may change"). */
export function compatible(a: string, b: string): boolean {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return false;
  return x[0] === y[0] && (x[0] > 0 || x[1] === y[1]);
}

/**
 * The one message for a version mismatch, worded for whoever reads it (a CLI user, the
 * desktop's first-run screen, a peer's log); null when the versions work together.
 * `who` names the other side ("peer bob", "the cluster at http://…"), `self` this side.
 */
export function versionProblem(remote: string | undefined, who: string, self = 'this node', local: string = PROTOCOL_VERSION): string | null {
  const theirs = remote ?? UNVERSIONED;
  if (compatible(local, theirs)) return null;
  const l = parseVersion(local);
  const r = parseVersion(theirs);
  const older = l && r && (r[0] < l[0] || (r[0] === l[0] && r[1] < l[1])) ? who : self;
  return `incompatible protocol version: ${self} speaks Trinca protocol ${local}, ${who} speaks ${theirs}; upgrade ${older} so both have the same major version (docs/operations.md, "Upgrading a cluster")`;
}
