// Public surface of the Raft core. Drivers (HTTP transport + WAL, the simulator) import
// from here only.
export { RaftCore, type RaftOptions, type RaftStatus, type Proposed, type ProgressView } from './raft.ts';
export { applyChange, isVoter, isLearner, isMember, type ConfigChange } from './config.ts';
export { transferTarget } from './transfer.ts';
export { majority, committedIndex, voteResult, hasQuorum } from './quorum.ts';
export type * from './types.ts';
