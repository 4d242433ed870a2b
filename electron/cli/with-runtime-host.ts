import { HostFailure, RuntimeHost } from '../runtime-host/runtime-host.js';
import type { CommandIO } from './command.js';

/**
 * Runs a command's work with a runtime host that Ctrl+C cancels (the host is ended if a run does
 * not stop) instead of orphaning it. A failed run in the host (crash, timeout, onnxruntime failing
 * mid-run) prints its one line and exits 1; the host is closed either way.
 */
export async function withRuntimeHost(io: CommandIO, work: (host: RuntimeHost, signal: AbortSignal) => Promise<number>): Promise<number> {
  const host = new RuntimeHost();
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once('SIGINT', onInterrupt);
  try {
    return await work(host, abort.signal);
  } catch (e) {
    if (e instanceof HostFailure) {
      io.err(`onnx-workbench: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    process.off('SIGINT', onInterrupt);
    host.close();
  }
}
