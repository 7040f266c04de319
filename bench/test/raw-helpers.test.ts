import { describe, expect, it } from 'vitest';
import { CommitLog, percentiles } from '../raw/commit-log.js';
import { intendedAt, openLoop } from '../raw/open-loop.js';

describe('CommitLog', () => {
  it('dates a message by the first batch of its partition that reached its sequence', () => {
    const log = new CommitLog(2);
    log.record(0, 10, 3, 100);
    log.record(1, 12, 2, 105);
    log.record(0, 20, 4, 130);
    expect(log.timeOf(0, 8)).toBe(100);
    expect(log.timeOf(0, 10)).toBe(100);
    expect(log.timeOf(0, 11)).toBe(130);
    expect(log.timeOf(1, 11)).toBe(105);
    expect(log.timeOf(0, 21)).toBeUndefined();
    expect(log.messages).toBe(9);
  });

  it('keeps the first time when a batch reports a checkpoint already reached', () => {
    const log = new CommitLog(1);
    log.record(0, 10, 1, 100);
    log.record(0, 10, 1, 200);
    expect(log.timeOf(0, 10)).toBe(100);
  });
});

describe('percentiles', () => {
  it('takes nearest-rank percentiles of 1000 values', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    const p = percentiles(values);
    expect([p.p50, p.p99, p.p999, p.max, p.count]).toEqual([500, 990, 999, 1000, 1000]);
  });
});

describe('openLoop', () => {
  it('sends each message at or after its intended time, never before', async () => {
    const sentAt: number[] = [];
    const run = await openLoop(50, 1000, () => sentAt.push(performance.now()));
    expect(run.sent).toBe(50);
    sentAt.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(intendedAt(run, i) - 0.001));
    expect(intendedAt(run, 49) - run.t0).toBeCloseTo(49, 6);
  });
});
