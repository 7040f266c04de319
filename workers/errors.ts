/** Coded errors of the streaming engine (`LIFELINE_ERR_WORKERS_*`). */
import { LifelineError } from '../engine/errors.js';

export class WorkersError extends LifelineError {
  constructor(code: `LIFELINE_ERR_WORKERS_${string}`, message: string, opts: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {}) {
    super(code, message, opts);
    this.name = 'WorkersError';
  }
}

/** The LMDB environment could not be opened (path, permissions, map size). */
export class StoreOpenError extends WorkersError {
  constructor(path: string, cause: unknown) {
    super('LIFELINE_ERR_WORKERS_STORE_OPEN', `cannot open LMDB environment at ${path}: ${(cause as Error)?.message ?? String(cause)}`, { cause, details: { path } });
  }
}

/** An alert transition named an alert that does not exist. */
export class AlertNotFoundError extends WorkersError {
  constructor(id: string) {
    super('LIFELINE_ERR_WORKERS_ALERT_NOT_FOUND', `alert ${id} does not exist`, { details: { id } });
  }
}

/** A listing cursor that this store did not hand out. */
export class BadCursorError extends WorkersError {
  constructor(cursor: string) {
    super('LIFELINE_ERR_WORKERS_BAD_CURSOR', `cursor: not a cursor from a previous page (${cursor.slice(0, 40)})`, { details: { field: 'cursor' } });
  }
}

/** A batch failed as a whole (LMDB write error, worker crash); its messages are redelivered. */
export class BatchFailedError extends WorkersError {
  constructor(partition: number, cause: unknown) {
    super('LIFELINE_ERR_WORKERS_BATCH_FAILED', `batch of partition ${partition} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause, retriable: true, details: { partition } });
  }
}

/** Start-up could not reach NATS or find the stream. */
export class EngineStartError extends WorkersError {
  constructor(message: string, cause?: unknown) {
    super('LIFELINE_ERR_WORKERS_START', message, { cause, retriable: true });
  }
}

/** Bad input to the initial load (a line of the city file). */
export class LoadInputError extends WorkersError {
  constructor(file: string, line: number, reason: string, cause?: unknown) {
    super('LIFELINE_ERR_WORKERS_LOAD_INPUT', `${file}:${line}: ${reason}`, { cause, details: { file, line, field: 'line', reason } });
  }
}
