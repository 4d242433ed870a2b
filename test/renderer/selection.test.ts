import { describe, expect, it } from 'vitest';
import { applySelection, modeOf, sameSelection } from '../../renderer/state/selection.js';
import { createStore } from '../../renderer/state/store.js';

describe('selection', () => {
  const none = { shiftKey: false, ctrlKey: false, metaKey: false };

  it('maps click modifiers to modes', () => {
    expect(modeOf(none)).toBe('replace');
    expect(modeOf({ ...none, shiftKey: true })).toBe('add');
    expect(modeOf({ ...none, ctrlKey: true })).toBe('toggle');
    expect(modeOf({ ...none, metaKey: true, shiftKey: true })).toBe('toggle');
  });

  it('replaces, adds and toggles', () => {
    const one = applySelection(new Set(), [1], 'replace');
    expect([...one]).toEqual([1]);
    const two = applySelection(one, [2, 3], 'add');
    expect([...two].sort()).toEqual([1, 2, 3]);
    expect([...applySelection(two, [2], 'toggle')].sort()).toEqual([1, 3]);
    expect([...applySelection(two, [4], 'toggle')].sort()).toEqual([1, 2, 3, 4]);
    expect([...applySelection(two, [9], 'replace')]).toEqual([9]);
    expect(one).toEqual(new Set([1])); // the old selection is left as it was
  });

  it('toggles a group as a whole: removed when all selected, else completed', () => {
    expect([...applySelection(new Set([1, 2, 3]), [1, 2], 'toggle')]).toEqual([3]);
    expect([...applySelection(new Set([1]), [1, 2], 'toggle')].sort()).toEqual([1, 2]);
  });

  it('compares selections by content', () => {
    expect(sameSelection(new Set([1, 2]), new Set([2, 1]))).toBe(true);
    expect(sameSelection(new Set([1]), new Set([2]))).toBe(false);
  });
});

describe('store', () => {
  it('notifies subscribers only when something changed', () => {
    const store = createStore({ a: 1, b: 'x' });
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.set({ a: 1 });
    expect(calls).toBe(0);
    store.set({ a: 2 });
    store.set((s) => ({ b: `${s.b}y` }));
    expect(store.get()).toEqual({ a: 2, b: 'xy' });
    expect(calls).toBe(2);
    off();
    store.set({ a: 3 });
    expect(calls).toBe(2);
  });
});
