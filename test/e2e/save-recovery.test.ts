import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openModel } from '../../electron/io/open-model.js';
import { HttpBackend } from '../../renderer/backend/http-backend.js';
import { writeConvBnRelu } from '../service/conv-bn-model.js';
import { screenshot, serve, useServedBrowser, type Served } from './harness.js';

// Save As and recovery in Chromium against `onnx-workbench serve`: steps are applied in the
// window (operations panel, context menu), the page shows them unsaved, saves
// them as a new file (asking before replacing one), reopens it; then the server is killed after
// a step and a new one over the same config folder offers the unsaved work back.

describe('save as and recovery in Chromium', () => {
  const app = useServedBrowser('e2e-save-', async (dir) => {
    await writeConvBnRelu(join(dir, 'conv-bn-relu.onnx'));
    return [join(dir, 'conv-bn-relu.onnx')];
  });
  const file = () => join(app.dir, 'conv-bn-relu.onnx');
  // The last test kills the server and starts another over the same config folder: that one is stopped here.
  let restarted: Served | undefined;
  const served = () => restarted ?? app.served;
  afterAll(async () => {
    await restarted?.stop();
  });

  const page = () => app.page;
  const nodeCount = () => page().locator('output[aria-label="node count"]').textContent();
  const api = (s: Served) => {
    const url = new URL(s.url);
    return new HttpBackend({ origin: url.origin, token: url.searchParams.get('token')! });
  };

  const ops = () => page().getByRole('region', { name: 'operations' });
  const unsavedMarks = () => page().getByLabel('unsaved changes').count();
  const menu = (command: string) => page().evaluate((c) => (globalThis as unknown as EventTarget).dispatchEvent(new Event(`workbench-menu:${c}`)), command);

  it('shows a step applied in the window as unsaved, saves it as a new file (asking before replacing one) and reopens it', async () => {
    await page().goto(served().url);
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('3 nodes');
    expect(await unsavedMarks()).toBe(0);
    expect(await page().getByRole('alertdialog', { name: 'restore unsaved changes' }).count()).toBe(0);

    await page().getByRole('button', { name: 'graph node conv' }).click();
    await page().getByRole('button', { name: 'graph node bn' }).click({ modifiers: ['Shift'] });
    const fusion = ops().getByRole('button', { name: 'operation fuse-conv-batchnorm' });
    await expect.poll(() => fusion.textContent(), { timeout: 20_000 }).toContain('1 match · 3 → 2 nodes');
    await fusion.click();
    await page().getByRole('region', { name: 'preview' }).getByRole('button', { name: 'Apply' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('2 nodes');
    await expect.poll(unsavedMarks, { timeout: 5000 }).toBe(1);

    await page().keyboard.press('Control+Shift+S');
    const dialog = page().getByRole('dialog', { name: 'save as' });
    const path = dialog.getByLabel('save path');
    await expect.poll(() => path.inputValue(), { timeout: 5000 }).toBe(join(app.dir, 'conv-bn-relu.optimized.onnx'));
    await screenshot(page(), 'save-01-save-as-dialog');

    // The opened file: the host refuses, the page asks; keeping it changes nothing.
    await path.fill(file());
    await dialog.getByRole('button', { name: 'save' }).click();
    const confirm = dialog.getByRole('alertdialog', { name: 'confirm overwrite' });
    await expect.poll(() => confirm.textContent(), { timeout: 5000 }).toContain(`${file()} already exists. Replace it?`);
    await screenshot(page(), 'save-02-confirm-overwrite');
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    expect((await openModel(file())).ir.graph.nodeCount).toBe(3);

    const out = join(app.dir, 'fused.onnx');
    await path.fill(out);
    await dialog.getByRole('button', { name: 'save' }).click();
    await expect.poll(() => page().getByRole('status', { name: 'saved' }).textContent(), { timeout: 5000 }).toContain(`Saved 2 nodes`);
    await expect.poll(unsavedMarks, { timeout: 5000 }).toBe(0);
    expect(await dialog.count()).toBe(0);
    expect((await openModel(out)).ir.graph.nodeCount).toBe(2);
    await screenshot(page(), 'save-03-saved');

    const downloading = page().waitForEvent('download', { timeout: 10_000 });
    await page().getByRole('button', { name: 'download the model' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('conv-bn-relu.optimized.onnx');
    const downloaded = join(app.dir, 'downloaded.onnx');
    await download.saveAs(downloaded);
    expect((await openModel(downloaded)).ir.graph.nodeCount).toBe(2);

    await page().getByRole('button', { name: 'open the saved file' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('2 nodes');
    await expect.poll(() => page().getByRole('region', { name: 'model panel' }).textContent()).toContain('fused.onnx');
    expect(await unsavedMarks()).toBe(0);
  });

  it('tracks unsaved steps through Electron-menu undo and redo, and asks before a reload drops them', async () => {
    await page().getByRole('button', { name: 'graph node relu' }).click({ button: 'right' });
    const contextMenu = page().getByRole('menu', { name: 'node operations' });
    await expect.poll(() => contextMenu.getByRole('menuitem', { name: /Delete node/ }).count(), { timeout: 20_000 }).toBe(1);
    await contextMenu.getByRole('menuitem', { name: /Delete node/ }).click();
    await page().getByRole('region', { name: 'preview' }).getByRole('button', { name: 'Apply' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('1 node');
    await expect.poll(unsavedMarks, { timeout: 5000 }).toBe(1);

    // Edit › Undo as the preload delivers it, with the graph focused: back to the file as opened (clean).
    await page().getByRole('application', { name: 'graph' }).focus();
    await menu('undo');
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('2 nodes');
    await expect.poll(unsavedMarks, { timeout: 5000 }).toBe(0);
    await page().getByRole('application', { name: 'graph' }).focus();
    await menu('redo');
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('1 node');
    await expect.poll(unsavedMarks, { timeout: 5000 }).toBe(1);

    // Chromium asks only on pages the user has interacted with (the clicks above).
    const asked = page().waitForEvent('dialog', { timeout: 5000 });
    void page().evaluate(() => (globalThis as unknown as { location: { reload(): void } }).location.reload()).catch(() => undefined);
    const d = await asked;
    expect(d.type()).toBe('beforeunload');
    await d.dismiss();
    await expect.poll(nodeCount).toBe('1 node');
    await screenshot(page(), 'save-04-unsaved-after-redo');
  });

  it('offers the unsaved step back after the server is killed, and restoring shows the edited model', async () => {
    // The copy is written shortly after the step (the mark's tooltip says so): then the host dies.
    await expect.poll(() => page().getByLabel('unsaved changes').getAttribute('title'), { timeout: 5000 }).toBe('a recovery copy is kept until you save');
    await app.served.kill();
    restarted = await serve([file()], app.configDir);

    await page().goto(restarted.url);
    const prompt = page().getByRole('alertdialog', { name: 'restore unsaved changes' });
    await expect.poll(() => prompt.textContent(), { timeout: 20_000 }).toMatch(/^Restore unsaved changes to fused\.onnx from .+\?/);
    expect(await prompt.textContent()).toMatch(/1 step: delete-node[^·]* · \/\S*\/fused\.onnx/);
    // The page opened the original file as the host was started with it.
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('3 nodes');
    await screenshot(page(), 'save-05-restore-prompt');

    await prompt.getByRole('button', { name: 'restore' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('1 node');
    await expect.poll(() => page().getByRole('button', { name: /graph node/ }).allTextContents()).toHaveLength(1);
    await expect.poll(() => page().getByLabel('unsaved changes').count(), { timeout: 5000 }).toBe(1);
    expect(await prompt.count()).toBe(0);
    await screenshot(page(), 'save-06-restored');

    // Saved: the copy is gone and a new server offers nothing. Save As comes here as Electron's
    // menu sends it (the preload's DOM event); a menu Undo in the search box stays the field's.
    const search = page().getByRole('searchbox', { name: 'search' });
    await search.fill('Conv');
    const keys: string[] = [];
    await page().exposeFunction('__sawKey', (k: string) => void keys.push(k));
    await page().evaluate(() => {
      const w = globalThis as unknown as { addEventListener(t: string, f: (e: { key: string; ctrlKey: boolean }) => void): void; __sawKey(k: string): void };
      w.addEventListener('keydown', (e) => e.ctrlKey && w.__sawKey(e.key));
    });
    await menu('undo');
    await menu('saveAs');
    await expect.poll(() => page().getByRole('dialog', { name: 'save as' }).count(), { timeout: 5000 }).toBe(1);
    // Undo went to the field (no Ctrl+Z reached the page); Save As became Ctrl+Shift+S.
    expect(keys).toEqual(['S']);
    const dialog = page().getByRole('dialog', { name: 'save as' });
    await dialog.getByLabel('save path').fill(join(app.dir, 'restored.onnx'));
    await dialog.getByRole('button', { name: 'save' }).click();
    await expect.poll(() => page().getByLabel('unsaved changes').count(), { timeout: 5000 }).toBe(0);
    expect((await openModel(join(app.dir, 'restored.onnx'))).ir.graph.nodeCount).toBe(1);
    expect(await api(served()).listRecoveries()).toEqual([]);
  });
});
