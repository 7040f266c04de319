/**
 * One page of a township's queue as alert ids, read from the queue keys alone (the store's
 * `listAlertIds`): the listing then takes each alert's view from the view cache. A cursor that
 * did not come from a previous page is the caller's mistake: a 400 naming the field.
 */
import { BadCursorError } from '../../workers/errors.js';
import { listAlertIds, type AlertFilters, type AlertIdPage, type Store } from '../../workers/store/index.js';
import { validation } from '../errors.js';

export type QueuePage = AlertIdPage;

export function queuePage(store: Store, township: string, filters: AlertFilters = {}, cursor?: string | null): QueuePage {
  try {
    return listAlertIds(store, township, filters, cursor);
  } catch (err) {
    if (err instanceof BadCursorError) throw validation('cursor', 'not a cursor from a previous page');
    throw err;
  }
}
