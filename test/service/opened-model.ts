import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import type { ProgressEvent } from '../../shared/protocol/backend.js';

// A describe block's service with one model open: a temporary folder (the service's settings, its
// temp files in tmp/), the model `write` puts there (it returns the path), opened; the service is
// disposed and the folder removed after the block.

export interface OpenedModel {
  readonly dir: string;
  readonly service: WorkbenchService;
  readonly modelId: string;
}

export function useOpenedModel(prefix: string, write: (dir: string) => Promise<string>, onProgress?: (e: ProgressEvent) => void): OpenedModel {
  let opened: OpenedModel | undefined;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    const file = await write(dir);
    await mkdir(join(dir, 'tmp'));
    const service = new WorkbenchService({ settingsDir: dir, tempDir: join(dir, 'tmp') });
    if (onProgress) service.onProgress(onProgress);
    opened = { dir, service, modelId: (await service.openPath(file)).modelId };
  });
  afterAll(async () => {
    await opened?.service.dispose();
    if (opened) await rm(opened.dir, { recursive: true, force: true });
  });
  const get = (): OpenedModel => {
    if (!opened) throw new Error(`useOpenedModel('${prefix}'): the model is not open (its beforeAll failed or has not run)`);
    return opened;
  };
  return {
    get dir() {
      return get().dir;
    },
    get service() {
      return get().service;
    },
    get modelId() {
      return get().modelId;
    },
  };
}
