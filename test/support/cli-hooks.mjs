/**
 * Module hooks of the CLI server (test/support/cli-server.mjs): a module of dist/ imported by a
 * module of run N (URL ending in ?pbxsync-run=N) is run N's own copy, so every run starts with
 * fresh module state (caches, flags) as a new process would. Dependencies stay loaded once.
 */
let dist = '';

export function initialize(data) {
  dist = data.dist;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const parent = context.parentURL ? new URL(context.parentURL) : undefined;
  const run = parent?.searchParams.get('pbxsync-run');
  if (run && resolved.url.startsWith(dist) && !resolved.url.includes('?')) return { ...resolved, url: `${resolved.url}?pbxsync-run=${run}` };
  return resolved;
}
