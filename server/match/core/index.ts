// The match replication core (see core.ts): pure, driven by step(input, now) / ready().
export { MatchCore } from './core.ts';
export { MatchReplica } from './replica.ts';
export { current, roleOf, pickShadow, type Role, type Current } from './roles.ts';
export { updateOf, fullView } from './publish.ts';
export * from './types.ts';
