/** File intake of department drops (NDJSON, CSV): see README.md for the layout and the guarantees. */
export { runIntake, formatOf, type IntakeSummary } from './intake.js';
export { INTAKE_DEFAULTS, type IntakeOptions } from './options.js';
export { readProgress, fingerprint, type Progress, type FileFingerprint } from './progress.js';
export { csvLayout, csvRowToRaw, ENVELOPE_COLUMNS, type CsvLayout } from './csv-row.js';
export { readRecords, splitCsv, type DropFormat, type RawRecord } from './reader.js';
