/**
 * The Content-Security-Policy of the workbench UI, in both hosts: scripts, styles, fonts and
 * workers only from the app itself (Monaco injects style elements, hence 'unsafe-inline' for
 * styles only), connections only back to the host, no plugins, frames, forms or foreign base URLs.
 * Monaco's workers and its codicon font are files of the bundle (renderer/text/monaco-bundle.ts),
 * so workers and fonts need nothing but 'self' (no blob: workers, no data: fonts); its CSS holds
 * a few data: PNGs, which img-src allows. No 'unsafe-eval' anywhere: zod runs jitless.
 */
export function contentSecurityPolicy(connectSources: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${connectSources.map((s) => ` ${s}`).join('')}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
