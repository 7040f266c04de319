/**
 * Coded errors of the connectors layer (NATS connection, stream setup, publishing, file intake).
 * Codes are `LIFELINE_ERR_CONNECTOR_<WHAT>`; `retriable` says whether trying again can help.
 */
import { LifelineError } from '../engine/errors.js';

export const CONNECTOR_ERROR_CODES = [
  'LIFELINE_ERR_CONNECTOR_NATS_CONNECT', // server unreachable, refused or auth failed
  'LIFELINE_ERR_CONNECTOR_NATS_CREDENTIALS', // a creds / nkey seed / TLS file cannot be read
  'LIFELINE_ERR_CONNECTOR_STREAM_SETUP', // stream create/update refused by the server
  'LIFELINE_ERR_CONNECTOR_STREAM_PARTITIONS', // existing stream has another partition count
  'LIFELINE_ERR_CONNECTOR_PUBLISH_FAILED', // transient failures outlasted the retries
  'LIFELINE_ERR_CONNECTOR_PUBLISH_REJECTED', // the server refused the message (not transient)
  'LIFELINE_ERR_CONNECTOR_PUBLISHER_CLOSED', // publish after close()
  'LIFELINE_ERR_CONNECTOR_INTAKE_FILE', // input file missing, unreadable or of unknown format
  'LIFELINE_ERR_CONNECTOR_INTAKE_CSV', // CSV header or quoting is malformed
  'LIFELINE_ERR_CONNECTOR_INTAKE_PROGRESS', // progress record does not belong to this file
  'LIFELINE_ERR_CONNECTOR_INTAKE_PARSE', // a row is not JSON / not CSV (a dead-letter code, never thrown)
  'LIFELINE_ERR_CONNECTOR_CITY_WRITE', // the synthetic city cannot be written to its folder
  'LIFELINE_ERR_CONNECTOR_CITY_READ', // a city file is missing, not JSON, or not a lifeline city
  'LIFELINE_ERR_CONNECTOR_FEED_OPTION', // a feed simulator option is out of range
] as const;
export type ConnectorErrorCode = (typeof CONNECTOR_ERROR_CODES)[number];

export class ConnectorError extends LifelineError {
  declare readonly code: ConnectorErrorCode;
  constructor(code: ConnectorErrorCode, message: string, opts: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {}) {
    super(code, message, opts);
    this.name = 'ConnectorError';
  }
}
