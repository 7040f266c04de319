import { describe, expect, it } from 'vitest';
import { PoolSlots, type SlotWaiter } from '../pool-slots.js';

function waiter(name: string, oldest: number, turns: string[]): SlotWaiter & { oldestAt: number } {
  const w = {
    oldestAt: oldest,
    oldest: () => w.oldestAt,
    onSlot: () => turns.push(name),
  };
  return w;
}

describe('PoolSlots', () => {
  it('hands a freed slot to the partition whose oldest message has waited longest, not to the first in line', () => {
    const slots = new PoolSlots(1);
    const turns: string[] = [];
    const a = waiter('a', 300, turns);
    const b = waiter('b', 100, turns);
    const c = waiter('c', 200, turns);
    expect(slots.acquire(a)).toBe(true);
    expect(slots.acquire(b)).toBe(false);
    expect(slots.acquire(c)).toBe(false);
    expect(slots.held).toBe(1);
    slots.release(); // a's batch done
    expect(turns).toEqual(['b']);
    expect(slots.held).toBe(1);
    a.oldestAt = 50; // a queued again with an older message than c's
    expect(slots.acquire(a)).toBe(false);
    slots.release();
    expect(turns).toEqual(['b', 'a']);
    slots.release();
    expect(turns).toEqual(['b', 'a', 'c']);
    slots.release();
    expect(slots.held).toBe(0);
  });

  it('never holds more slots than its capacity and frees them when nobody waits', () => {
    const slots = new PoolSlots(2);
    const turns: string[] = [];
    expect(slots.acquire(waiter('a', 1, turns))).toBe(true);
    expect(slots.acquire(waiter('b', 2, turns))).toBe(true);
    const c = waiter('c', 3, turns);
    expect(slots.acquire(c)).toBe(false);
    expect(slots.held).toBe(2);
    slots.cancel(c); // its partition stopped
    slots.release();
    expect(turns).toEqual([]);
    expect(slots.held).toBe(1);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new PoolSlots(0)).toThrow(RangeError);
    expect(() => new PoolSlots(1.5)).toThrow(/positive integer/);
  });
});
