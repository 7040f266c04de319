/** What one partition snapshot holds (see index.ts for the design). */

/** Header of a partition snapshot, also kept as the object's description (read without the body). */
export interface SnapshotHeader {
  /** Format version. */
  v: 1;
  partition: number;
  /** The stream's partition count when it was taken. */
  partitions: number;
  /** Last stream sequence applied to the state it holds: a restore consumes from checkpoint + 1. */
  checkpoint: number;
  takenAt: number;
  households: number;
  alerts: number;
  deadLetters: number;
  commands: number;
  outbox: number;
  /** Alliance projects and referrals homed on the partition (absent in snapshots taken before the help loop). */
  projects?: number;
  referrals?: number;
  bytes: number;
}

/** Sections of the body, each a msgpack array of [key, value] rows (chunked). */
export const SECTIONS = ['households', 'alerts', 'deadLetters', 'commands', 'outbox', 'projects', 'referrals'] as const;
export type Section = (typeof SECTIONS)[number];

export interface RestoreStats {
  partition: number;
  /** Null when no snapshot exists (the partition starts empty, consuming from the stream's start). */
  checkpoint: number | null;
  households: number;
  alerts: number;
  /** Rows of the partition removed from LMDB first. */
  cleared: number;
  ms: number;
}
