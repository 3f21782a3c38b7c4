// Bundles Tapedeck's web UI (web/ui/) with esbuild into internal/webui/dist/,
// where the Go package internal/webui embeds it:
//
//   dist/index.html                 the page every UI path answers with
//   dist/assets/app-<hash>.js       the application, rrweb's replayer included
//   dist/assets/app-<hash>.css      its style sheet (rrweb's included)
//
// Everything the page needs is in these files: no CDN, no web font, no other
// request at run time. Names carry a content hash, so the server can let
// browsers cache them for good.
//
// Usage: npm ci --prefix web && npm run --prefix web build

import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const uiDir = join(webDir, 'ui');
const distDir = join(webDir, '..', 'internal', 'webui', 'dist');
const assetsDir = join(distDir, 'assets');
const keep = new Set(['README.md']); // the committed placeholder

mkdirSync(distDir, { recursive: true });
for (const entry of readdirSync(distDir)) {
  if (!keep.has(entry)) rmSync(join(distDir, entry), { recursive: true, force: true });
}

const result = await build({
  absWorkingDir: webDir,
  entryPoints: { app: join(uiDir, 'src', 'main.js') },
  bundle: true,
  format: 'esm',
  splitting: false,
  minify: true,
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: assetsDir,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl' },
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});

let script = '';
let style = '';
for (const [out, info] of Object.entries(result.metafile.outputs)) {
  if (!info.entryPoint && !out.endsWith('.css')) continue;
  const url = '/ui/assets/' + relative(assetsDir, join(webDir, out)).split('\\').join('/');
  if (out.endsWith('.js')) script = url;
  else if (out.endsWith('.css')) style = url;
}
if (!script || !style) throw new Error(`esbuild produced no script or no style sheet: ${JSON.stringify(Object.keys(result.metafile.outputs))}`);

const template = readFileSync(join(uiDir, 'index.html'), 'utf8');
const page = template.replace('{{script}}', script).replace('{{style}}', style);
if (page.includes('{{')) throw new Error('web/ui/index.html has a placeholder the build does not fill');
writeFileSync(join(distDir, 'index.html'), page);

for (const [out, info] of Object.entries(result.metafile.outputs)) {
  console.log(`${relative(join(webDir, '..'), join(webDir, out))}: ${(info.bytes / 1024).toFixed(0)} KiB`);
}
console.log(`web UI -> internal/webui/dist/ (script ${script}, style ${style})`);
