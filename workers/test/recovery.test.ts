/** The unclean-stop marker: what start-up learns from it, and when a view must be rebuilt. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { currentBootId, markRunning, markStopped, viewDamaged } from '../recovery.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the running marker', () => {
  it('reports a run that did not stop cleanly, and nothing after a clean stop', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-marker-'));
    dirs.push(dir);
    expect(markRunning(dir)).toBeNull();
    const previous = markRunning(dir); // the first run never called markStopped
    expect(previous).toMatchObject({ pid: process.pid, bootId: currentBootId() });
    markStopped(dir);
    expect(markRunning(dir)).toBeNull();
  });

  it('distrusts the view only with lmdb.noSync after the machine itself went down', () => {
    const same = { pid: 1, startedAt: 0, bootId: currentBootId() };
    const other = { ...same, bootId: 'another-boot' };
    expect(currentBootId()).not.toBe('');
    expect(viewDamaged(null, true)).toBe(false);
    expect(viewDamaged(same, true)).toBe(false); // a killed process: the OS page cache kept its writes
    expect(viewDamaged(other, true)).toBe(true); // a power cut with unflushed pages
    expect(viewDamaged(other, false)).toBe(false); // flushed commits keep a consistent state
  });

  it('reads a marker written before boot ids were kept as unknown: distrusted with noSync', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-marker-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'RUNNING'), JSON.stringify({ pid: 7, startedAt: 1 }));
    const previous = markRunning(dir);
    expect(previous).toEqual({ pid: 7, startedAt: 1, bootId: '' });
    expect(viewDamaged(previous, true)).toBe(true);
  });
});
