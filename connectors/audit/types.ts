/** The audit row (one message body of the audit stream) and the shapes of reading it back. */

/** One thing a person or the system did or saw; the JSON body of one audit message. */
export interface AuditRow {
  /** When it happened (epoch ms, the actor's clock). */
  at: number;
  /** API key id, or 'system' / 'engine'. */
  actor: string;
  /** The actor's role when it was a key; null for the system. */
  role: string | null;
  /** Township of the target when it has one. */
  township: string | null;
  /** Dotted verb, e.g. 'household.read', 'alert.claim', 'key.issue', 'key.revoke', 'dead_letter.replay'. */
  action: string;
  /** What was acted on: household id, alert id, key id, dead-letter sequence. */
  target: string;
  /** The HTTP request (or command) id, when there was one. */
  requestId: string | null;
  before: unknown | null;
  after: unknown | null;
  details?: Record<string, unknown>;
}

/** The server's answer to one append. */
export interface AuditAppendResult {
  /** Stream sequence of the row (of the first copy when `duplicate`). */
  seq: number;
  /** True when a row with this msgId was already stored inside the duplicate window: nothing new was stored. */
  duplicate: boolean;
}

/** A row read back, with its stream sequence. */
export type StoredAuditRow = AuditRow & { seq: number };

export interface AuditQuery {
  /** Continue after this stream sequence (a previous page's `nextCursor`); from the start when absent. */
  afterSeq?: number;
  /** Most rows in the page. */
  limit: number;
  actor?: string;
  target?: string;
  /** Exact action; also narrows the scan to that action's subject. */
  action?: string;
  /** Epoch ms, inclusive, on the row's `at`. */
  from?: number;
  /** Epoch ms, exclusive, on the row's `at`. */
  to?: number;
}

export interface AuditPage {
  /** Matching rows, oldest first (ascending stream sequence). */
  items: StoredAuditRow[];
  /**
   * Stream sequence to continue after, or null when the scan reached the end of the stream as it
   * was during this call. Non-null with a part-filled page means the scan budget ran out first.
   */
  nextCursor: number | null;
  /** Every row up to this stream sequence was examined (0 when nothing was). */
  scannedTo: number;
  /** Rows examined by this call. */
  scanned: number;
}
