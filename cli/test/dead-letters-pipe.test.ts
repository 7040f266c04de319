/**
 * `lifeline dead-letters list | slow reader` gets every line: the CLI waits for a piped stdout
 * to drain before it exits (it used to exit with most of the output still buffered).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type DeadLetter } from '../../workers/store/index.js';

const bin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'lifeline.js');
const dir = mkdtempSync(join(tmpdir(), 'lifeline-cli-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LETTERS = 1000;

describe('lifeline dead-letters list through a pipe', () => {
  it('delivers all 1,000 lines to a reader that is slower than the CLI', async () => {
    const path = join(dir, 'lmdb');
    const store = openStore({ path, noSync: true, mapSizeGiB: 0.25 });
    try {
      await store.env.transaction(() => {
        for (let seq = 1; seq <= LETTERS; seq++) {
          const letter: DeadLetter = {
            origin: 'engine',
            code: 'LIFELINE_ERR_UNKNOWN_PERSON',
            reason: 'person p-x is not a member of the household',
            issues: [{ field: 'personId', reason: 'unknown person' }],
            partition: seq % 4,
            seq,
            subject: `lifeline.upd.${seq % 4}.health`,
            // ~0.5 KB a line: 1,000 lines overflow the 64 KiB pipe buffer many times
            raw: JSON.stringify({ id: `u-${seq}`, source: 'health', note: 'x'.repeat(400) }),
            receivedAt: Date.UTC(2026, 10, 1) + seq,
            replayedAt: null,
          };
          void store.deadLetters.put([seq % 4, seq], letter);
        }
      });
    } finally {
      await store.close();
    }
    // the reader sleeps before it reads, so the CLI's writes pile up behind a full pipe
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" dead-letters list --limit 5000 | { sleep 1; wc -l; }`], {
      encoding: 'utf8',
      env: { ...process.env, LIFELINE_LMDB_PATH: path },
      timeout: 60_000,
    });
    expect(r.stderr).toContain(`${LETTERS} dead letter(s)`);
    expect(Number(r.stdout.trim())).toBe(LETTERS);
  });
});
