// After `vite build`: lets the page fetch the start screen's scripts and styles at once.
//
// OpsDesk is a single-page app whose one page (build/index.html) is SvelteKit's fallback. That
// page names the layout's modules only; the start screen's (the route "/", the error page) are
// found one import at a time once the router runs, several round trips through the app's asset
// handler, and its stylesheet is waited for before the first paint. The app always opens on "/",
// so index.html names them all up front (start-up time, issue #18). Read from Vite's manifest,
// so the hashed file names are always the ones just built.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const manifestPath = join('.svelte-kit', 'output', 'client', '.vite', 'manifest.json');
const pagePath = join('build', 'index.html');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

// SvelteKit numbers its route nodes: 0 the root layout, 1 the root error page, 2 the page "/"
// when it is the first route (checked below, so a renumbering fails the build, not the app).
const starts = ['1', '2'].map((n) => `.svelte-kit/generated/client-optimized/nodes/${n}.js`);
const home = manifest[starts[1]];
if (
  !home ||
  !readFileSync(join('.svelte-kit', 'generated', 'client-optimized', 'nodes', '2.js'), 'utf8').includes(
    'routes/+page.svelte'
  )
) {
  throw new Error('preload-start: node 2 is not the start screen any more; update this script');
}

const scripts = new Set();
const styles = new Set();
function visit(key) {
  const chunk = manifest[key];
  if (!chunk || scripts.has(chunk.file)) return;
  scripts.add(chunk.file);
  for (const css of chunk.css ?? []) styles.add(css);
  for (const imported of chunk.imports ?? []) visit(imported);
}
starts.forEach(visit);

let page = readFileSync(pagePath, 'utf8');
const links = [
  ...[...scripts].filter((f) => !page.includes(`/${f}"`)).map((f) => `<link href="/${f}" rel="modulepreload">`),
  ...[...styles].filter((f) => !page.includes(`/${f}"`)).map((f) => `<link href="/${f}" rel="stylesheet">`)
];
if (!page.includes('</head>')) throw new Error('preload-start: build/index.html has no </head>');
page = page.replace('</head>', `${links.join('\n\t\t')}\n  </head>`);
writeFileSync(pagePath, page);
console.log(`preload-start: ${links.length} start-screen files named in index.html`);
