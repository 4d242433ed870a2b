import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../electron/server/content-security-policy.js';

// The policy both hosts send: no more than the UI and Monaco need (test/e2e/recipes.test.ts loads
// Monaco and its workers under it and checks that nothing was blocked).

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe('content security policy', () => {
  it('allows scripts, workers and fonts from the app only, and no eval', () => {
    const d = directives(contentSecurityPolicy());
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('worker-src')).toEqual(["'self'"]);
    expect(d.get('font-src')).toEqual(["'self'"]);
    // Monaco adds <style> elements at run time; inline scripts stay forbidden.
    expect(d.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    for (const values of d.values()) expect(values).not.toContain("'unsafe-eval'");
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('adds only the sources the host names to connect-src', () => {
    const d = directives(contentSecurityPolicy(['ws://127.0.0.1:5000']));
    expect(d.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:5000']);
    expect(d.get('worker-src')).toEqual(["'self'"]);
  });
});
