import { describe, expect, it } from 'vitest';
import { methods } from '../../shared/protocol/methods.js';

// The profile and compare rows check what arrives before the service sees it.

const options = { provider: 'cpu', runs: 3, warmup: 1, optimization: 'all', inputs: 'generated' };

describe('profile rows of the API table', () => {
  it('accepts the form as the app sends it', () => {
    expect(methods.startProfile.params.safeParse({ modelId: 'm', options }).success).toBe(true);
    expect(methods.startCompare.params.safeParse({ modelId: 'm', against: 2, options: { ...options, threads: 2, allowFallback: true } }).success).toBe(true);
    expect(methods.startCompare.params.safeParse({ modelId: 'm', against: 'original', options: { ...options, threads: null } }).success).toBe(true);
  });

  it.each([
    ['no runs', { ...options, runs: 0 }],
    ['negative warm-up', { ...options, warmup: -1 }],
    ['an unknown provider', { ...options, provider: 'rocm' }],
    ['an unknown input source', { ...options, inputs: 'file' }],
    ['an unknown field', { ...options, seed: 3 }],
  ])('refuses %s', (_, bad) => {
    expect(methods.startProfile.params.safeParse({ modelId: 'm', options: bad }).success).toBe(false);
  });

  it('refuses a comparison against something that is not a step', () => {
    for (const against of ['latest', -1, 1.5]) expect(methods.startCompare.params.safeParse({ modelId: 'm', against, options }).success).toBe(false);
  });
});
