// Public surface of the persistence layer (see docs/architecture/storage.md).
export { CorruptionError, StorageFailedError } from './errors.ts';
export { encodeRecord, encodeRecords, decodeRecords } from './record-codec.ts';
export { RecordWriter, readRecordFile, truncateFile, type RecoveredFile } from './record-file.ts';
export { writeFileAtomic, readJsonFile, removeTempFiles } from './atomic-file.ts';
export {
  RaftStorage,
  DEFAULT_SEGMENT_BYTES,
  type RaftStorageOptions,
  type RecoveredRaftState,
  type PersistBatch,
} from './raft-storage.ts';
export { MatchLogStore, type MatchLogOptions, type StoredEvent } from './match-log.ts';
