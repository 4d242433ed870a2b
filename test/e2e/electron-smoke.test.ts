import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLE, screenshot } from './harness.js';

// The desktop app itself, where it can run: Electron's binary installed (`npm run setup:electron`)
// and, on Linux, a display (run under xvfb-run in CI). Elsewhere it says why it is skipped.

function electronBinary(): { path?: string; why?: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as string;
    return existsSync(path) ? { path } : { why: `Electron's binary is missing at ${path}` };
  } catch {
    return { why: "Electron's binary is not installed (npm run setup:electron fetches it)" };
  }
}

const binary = electronBinary();
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const why = binary.why ?? (noDisplay ? 'no display to open a window on (DISPLAY is unset; run under xvfb-run)' : undefined);
if (why) console.log(`Electron smoke test skipped: ${why}`);

describe.skipIf(why !== undefined)('Electron app (smoke)', () => {
  it('opens the sample in a sandboxed window and shows its graph', async () => {
    const userData = await mkdtemp(join(tmpdir(), 'wb-electron-'));
    const app = await electron.launch({
      executablePath: binary.path!,
      args: [ROOT, SAMPLE, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, ONNX_WORKBENCH_USER_DATA: userData },
    });
    try {
      const page = await app.firstWindow();
      await expect.poll(() => page.locator('output[aria-label="node count"]').textContent(), { timeout: 30_000 }).toBe('17 nodes');
      expect(await page.getByRole('button', { name: 'graph node stem/Conv' }).count()).toBe(1);
      // The page has the bridge and nothing of Node.
      expect(await page.evaluate(() => Object.keys((globalThis as unknown as { workbench: object }).workbench).sort())).toEqual([
        'getGraphPart',
        'getTensor',
        'initialModel',
        'onProgress',
        'openModel',
      ]);
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
      await screenshot(page, 'electron-sample');
    } finally {
      await app.close();
      await rm(userData, { recursive: true, force: true });
    }
  });
});
