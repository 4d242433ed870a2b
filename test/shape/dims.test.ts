import { describe, expect, it } from 'vitest';
import {
  broadcastDim,
  broadcastShapes,
  canonicalDim,
  dimAdd,
  dimCeilDiv,
  dimDivExact,
  dimEquals,
  dimFloorDiv,
  dimMul,
  dimProduct,
  dimSub,
  unifyDim,
} from '../../shared/shape/dims.js';

describe('symbolic dims', () => {
  it('folds numbers and keeps symbols', () => {
    expect(dimAdd(2, 3)).toBe(5);
    expect(dimMul('seq', 2)).toBe('seq*2');
    expect(dimAdd('seq', 1)).toBe('seq+1');
    expect(dimSub('seq', 1)).toBe('seq-1');
    expect(dimMul(dimAdd('seq', 1), 2)).toBe('seq*2+2');
    expect(dimMul('batch', 'seq')).toBe('batch*seq');
    expect(dimMul('seq', 'batch')).toBe('batch*seq');
    expect(dimSub(dimAdd('seq', 3), 'seq')).toBe(3);
    expect(dimAdd(dimMul('seq', 2), dimMul('seq', -2))).toBe(0);
    expect(dimMul('seq', 0)).toBe(0);
    expect(dimAdd(null, 1)).toBe(null);
    expect(dimProduct(['batch', 'seq', 768])).toBe('batch*seq*768');
  });

  it('divides exactly where it can, and floors otherwise', () => {
    expect(dimDivExact(dimProduct(['batch', 'seq', 768]), dimProduct(['batch', 'seq', 12]))).toBe(64);
    expect(dimDivExact('seq*4+4', 'seq+1')).toBe(4);
    expect(dimDivExact('seq', 2)).toBe(null);
    expect(dimDivExact(12, 5)).toBe(null);
    expect(dimFloorDiv('seq*2+1', 2)).toBe('seq');
    expect(dimFloorDiv('seq', 2)).toBe('floor(seq/2)');
    expect(dimCeilDiv('seq', 2)).toBe('floor((seq+1)/2)');
    expect(dimFloorDiv(dimSub('seq', 1), 2)).toBe('floor((seq+1)/2)-1');
    expect(dimFloorDiv(7, 2)).toBe(3);
    expect(dimCeilDiv(7, 2)).toBe(4);
  });

  it('parses what it prints, so results combine further', () => {
    const half = dimFloorDiv('seq', 2);
    expect(dimAdd(half, half)).toBe('floor(seq/2)*2');
    expect(dimSub(dimAdd(half, 1), half)).toBe(1);
    expect(canonicalDim('2*seq')).toBe('seq*2');
    expect(canonicalDim('seq+1-1')).toBe('seq');
    expect(dimEquals('seq*2', '2*seq')).toBe(true);
    expect(dimEquals('seq', 'batch')).toBe(false);
    expect(dimEquals(null, null)).toBe(false);
  });

  it('keeps names that are not expressions as single symbols', () => {
    expect(canonicalDim('batch size')).toBe('batch size');
    expect(dimMul('batch size', 2)).toBe('(batch size)*2');
    expect(canonicalDim('input.1_dim_0')).toBe('input.1_dim_0');
    expect(dimAdd('unk__0', 1)).toBe('unk__0+1');
    expect(dimEquals('1x', '1x')).toBe(true);
  });

  it('broadcasts by numpy rules', () => {
    expect(broadcastDim(1, 'seq')).toBe('seq');
    expect(broadcastDim('seq', 'seq')).toBe('seq');
    expect(broadcastDim('seq', 5)).toBe(5);
    expect(broadcastDim('seq', 'batch')).toBe(null);
    expect(broadcastDim(null, 1)).toBe(null);
    expect(broadcastDim(null, 3)).toBe(3);
    expect(broadcastShapes([['batch', 1, 'seq'], [4, 1], []])).toEqual(['batch', 4, 'seq']);
    expect(unifyDim('seq', 'seq')).toBe('seq');
    expect(unifyDim(3, 4)).toBe(null);
  });
});

describe('nested divisions', () => {
  it('folds stacked floor and ceil divisions into one', () => {
    expect(dimCeilDiv(dimCeilDiv('h', 2), 2)).toBe('floor((h+3)/4)');
    expect(dimFloorDiv(dimFloorDiv('h', 2), 2)).toBe('floor(h/4)');
    expect(dimMul(dimCeilDiv(dimCeilDiv(dimCeilDiv('h', 2), 2), 2), 8)).toBe('floor((h+7)/8)*8');
    expect(dimFloorDiv(dimAdd(dimMul(dimFloorDiv('h', 3), 2), 1), 2)).toBe('floor(h/3)');
  });
});
