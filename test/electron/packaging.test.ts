import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// What can be checked of the desktop build without Electron's binary: the electron-builder
// config against electron-builder's own schema, the package metadata it insists on, and the
// compiled preload (a sandboxed preload may require nothing but 'electron').

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

describe('desktop packaging', () => {
  it('has an electron-builder config that electron-builder accepts', async () => {
    const yaml = require('js-yaml') as { load(text: string): Record<string, unknown> };
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: unknown, log: { isEnabled: boolean; add(): void }): Promise<void>;
    };
    const config = yaml.load(await readFile(join(root, 'electron-builder.yml'), 'utf8'));
    await validateConfiguration(config, { isEnabled: false, add: () => undefined });
    expect(config.appId).toBeTruthy();
    expect(config.asarUnpack).toContain('node_modules/onnxruntime-node/bin/**');
    expect(config.fileAssociations).toEqual([expect.objectContaining({ ext: 'onnx' })]);
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config.mac as { target: string }).target).toBe('dmg');
    expect((config.win as { target: string }).target).toBe('nsis');
  });

  it('has package metadata electron-builder accepts (Electron only among devDependencies)', async () => {
    const { checkMetadata } = require('app-builder-lib/out/util/packageMetadata.js') as {
      checkMetadata(metadata: unknown, dev: unknown, file: string, devFile: string): void;
    };
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { main: string };
    expect(() => checkMetadata(pkg, pkg, 'package.json', 'package.json')).not.toThrow();
    expect(pkg.main).toBe('dist/electron/main/main.js');
  });

  it('compiles a preload that requires only electron (it runs sandboxed)', async () => {
    const preload = join(root, 'dist', 'electron', 'main', 'preload.cjs');
    expect(existsSync(preload), 'dist/electron/main/preload.cjs is missing: run `npm run build`').toBe(true);
    const text = await readFile(preload, 'utf8');
    expect([...text.matchAll(/require\(([^)]*)\)/g)].map((m) => m[1])).toEqual(['"electron"']);
    expect(text).toContain("exposeInMainWorld('workbench'");
    expect(existsSync(join(root, 'dist', 'electron', 'main', 'main.js'))).toBe(true);
  });
});
