/** Where a command sits in the Raft log. */
export interface ApplyContext {
  index: number;
  term: number;
}
