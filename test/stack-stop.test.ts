import { describe, expect, it } from 'vitest';
import { stopParts, type StackParts } from './support/stack.js';

/** Stand-ins that record their closing; `failing` names the parts whose close throws and stays open. */
function fakes(failing: string[]) {
  const closed: string[] = [];
  const part = (name: string) => {
    let open = true;
    return {
      isOpen: () => open,
      close: async () => {
        closed.push(name);
        if (failing.includes(name)) throw new Error(`${name} refused`);
        open = false;
      },
    };
  };
  const app = part('app');
  const store = part('store');
  const nc = part('nc');
  const parts = {
    app: { close: app.close, server: { get listening() { return app.isOpen(); } } },
    publisher: { close: part('publisher').close },
    engine: { stop: part('engine').close, nc: { isClosed: () => true }, status: () => ({ threads: 0 }) },
    store: { close: store.close, env: { get status() { return store.isOpen() ? 'open' : 'closed'; } } },
    nc: { close: nc.close, isClosed: () => !nc.isOpen() },
    env: { cleanup: part('env').close },
  } as unknown as StackParts;
  return { parts, closed };
}

describe('stopping a stack', () => {
  it('closes everything in reverse boot order and passes when nothing stays open', async () => {
    const { parts, closed } = fakes([]);
    await stopParts(parts);
    expect(closed).toEqual(['app', 'publisher', 'engine', 'store', 'nc', 'env']);
  });

  it('keeps closing after a failed close, runs the leak check and reports every failure', async () => {
    const { parts, closed } = fakes(['app', 'store']);
    const err = await stopParts(parts).then(
      () => undefined,
      (e: unknown) => e as AggregateError,
    );
    expect(closed).toEqual(['app', 'publisher', 'engine', 'store', 'nc', 'env']);
    expect(err).toBeInstanceOf(AggregateError);
    expect(err!.errors.map((e: Error) => e.message)).toEqual([
      'closing the API failed: app refused',
      'closing the LMDB store failed: store refused',
      'stack left open: HTTP server, LMDB environment',
    ]);
  });

  it('a single failure is thrown as itself', async () => {
    const { parts } = fakes(['publisher']);
    await expect(stopParts(parts)).rejects.toThrow(/^closing the publisher failed: publisher refused$/);
  });
});
