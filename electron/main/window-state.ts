import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from '../io/json-file.js';

/** A window's size, place and maximized state. */
export interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized: boolean;
}

/** A display's usable area. */
export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_STATE: WindowState = { width: 1280, height: 820, maximized: false };
const MIN = { width: 480, height: 360 };

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A saved state checked field by field; anything odd falls back to the default. */
export function parseWindowState(data: unknown): WindowState {
  if (!data || typeof data !== 'object') return { ...DEFAULT_STATE };
  const d = data as Record<string, unknown>;
  const state: WindowState = {
    width: isNumber(d.width) ? Math.max(MIN.width, Math.round(d.width)) : DEFAULT_STATE.width,
    height: isNumber(d.height) ? Math.max(MIN.height, Math.round(d.height)) : DEFAULT_STATE.height,
    maximized: d.maximized === true,
  };
  if (isNumber(d.x) && isNumber(d.y)) {
    state.x = Math.round(d.x);
    state.y = Math.round(d.y);
  }
  return state;
}

/**
 * Where to put a window: the saved state, shifted by `cascade` steps so that windows opened
 * together do not stack exactly, and without a position when that would not be on any display
 * (a monitor was unplugged): the OS then centers it.
 */
export function placeWindow(state: WindowState, displays: readonly Area[], cascade = 0): WindowState {
  const placed: WindowState = { ...state };
  if (placed.x === undefined || placed.y === undefined) return placed;
  placed.x += cascade * 24;
  placed.y += cascade * 24;
  const { x, y } = placed;
  // The title bar's middle must be on a display, so the user can grab the window.
  const grabX = x + placed.width / 2;
  const grabY = y + 10;
  const visible = displays.some((a) => grabX >= a.x && grabX < a.x + a.width && grabY >= a.y && grabY < a.y + a.height);
  if (!visible) {
    delete placed.x;
    delete placed.y;
  }
  return placed;
}

/** The window state file in the user-data folder. */
export class WindowStateStore {
  private constructor(
    private readonly file: string,
    private state: WindowState,
  ) {}

  static async load(userData: string): Promise<WindowStateStore> {
    const file = join(userData, 'window-state.json');
    return new WindowStateStore(file, parseWindowState(await readJsonFile(file)));
  }

  get current(): WindowState {
    return this.state;
  }

  async save(state: WindowState): Promise<void> {
    this.state = parseWindowState(state);
    await writeJsonFile(this.file, this.state);
  }
}
