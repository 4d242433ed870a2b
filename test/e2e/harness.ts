import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

// End-to-end harness: `onnx-workbench serve` as a child process (the command users run), and
// Debian's Chromium driven by playwright-core. A missing browser or an unbuilt app is an error
// with the fix in its message, never a skip: CI installs Chromium and builds first.

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SAMPLE = join(ROOT, 'assets', 'sample.onnx');
export const SILERO_V5 = join(ROOT, 'node_modules', '@ricky0123', 'vad-web', 'dist', 'silero_vad_v5.onnx');
/** Screenshots land here (git-ignored; CI keeps the folder as an artifact). */
export const RESULTS = join(ROOT, 'test-results', 'e2e');
/** The browser: Debian's Chromium, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Throws with the command that fixes it when the browser or the built app is missing. */
export function checkPrerequisites(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\` as root (or set CHROMIUM_PATH)`);
  }
  if (!existsSync(join(ROOT, 'dist', 'electron', 'cli', 'main.js'))) throw new Error('the CLI is not built: run `npm run build`');
  if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) throw new Error('the renderer is not built: run `npm run build` (it runs `vite build`)');
}

export interface Served {
  url: string;
  output: () => string;
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL: no shutdown work runs), as a crash would. */
  kill(): Promise<void>;
}

/** Runs `onnx-workbench serve ARGS` and waits for the URL it prints; what it remembers goes to `configDir` (ONNX_WORKBENCH_CONFIG_DIR). */
export function serve(args: string[] = [], configDir?: string): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'onnx-workbench.js'), 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '', ...(configDir ? { ONNX_WORKBENCH_CONFIG_DIR: configDir } : {}) },
  });
  let text = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      // A killed child has a signalCode and no exitCode; its 'exit' has already fired.
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const kill = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`onnx-workbench serve printed no URL within 30 s; it printed: ${text}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const url = / at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(text)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, output: () => text, stop, kill });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`onnx-workbench serve exited with ${code}: ${text}`));
    });
  });
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and failed requests seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile (a new --user-data-dir each time). */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'wb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  // Content-Security-Policy violations are events, not always console errors: record them.
  await context.addInitScript(() => {
    type Violation = { violatedDirective: string; blockedURI: string };
    const w = globalThis as unknown as { __cspViolations: string[]; addEventListener(type: string, fn: (e: Violation) => void): void };
    w.__cspViolations = [];
    w.addEventListener('securitypolicyviolation', (v) => w.__cspViolations.push(`${v.violatedDirective} ${v.blockedURI}`));
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The Content-Security-Policy violations the page has seen since it loaded. */
export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
}

/** Saves a full-page screenshot as test-results/e2e/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What useServedBrowser() started; each getter throws until its beforeAll has run. */
export interface ServedBrowser {
  readonly served: Served;
  readonly browser: Browser;
  readonly page: Page;
  /** The temporary folder setup() wrote into (removed after the tests). */
  readonly dir: string;
  /** ONNX_WORKBENCH_CONFIG_DIR of the server. */
  readonly configDir: string;
}

export interface ServedBrowserOptions {
  /** Where the server remembers things: `join(dir, 'config')` (the default) or the temporary folder itself. */
  config?: 'subfolder' | 'dir';
}

/**
 * One server and one browser for a describe block: beforeAll checks the prerequisites, makes a
 * temporary folder (`prefix` names it), lets `setup(dir)` write the models and return the paths
 * to serve ([]: the bundled sample), runs `onnx-workbench serve` and launches Chromium; afterAll
 * closes the browser, stops the server and removes the folder.
 */
export function useServedBrowser(prefix: string, setup: (dir: string) => string[] | Promise<string[]> = () => [], options: ServedBrowserOptions = {}): ServedBrowser {
  let served: Served | undefined;
  let browser: Browser | undefined;
  let dir: string | undefined;
  let configDir: string | undefined;

  beforeAll(async () => {
    checkPrerequisites();
    dir = await mkdtemp(join(tmpdir(), prefix));
    configDir = options.config === 'dir' ? dir : join(dir, 'config');
    served = await serve(await setup(dir), configDir);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useServedBrowser('${prefix}'): the ${what} is not started (its beforeAll failed or has not run)`);
    return value;
  };
  return {
    get served() {
      return started(served, 'server');
    },
    get browser() {
      return started(browser, 'browser');
    },
    get page() {
      return started(browser, 'browser').page;
    },
    get dir() {
      return started(dir, 'temporary folder');
    },
    get configDir() {
      return started(configDir, 'config folder');
    },
  };
}
