// Copies the browser files of every installed posthog-js generation into
// internal/static/dist/<version>/, where the Go package internal/static embeds
// them, and writes internal/static/dist/versions.json.
//
// The generations are the devDependencies of web/package.json that are
// posthog-js itself or an npm alias of it ("npm:posthog-js@<version>"). Each
// version's files come from its installed package (node_modules/<name>/dist):
// every file ending in .js. Source maps and type declarations are left out.
//
// Usage: npm ci --prefix web && npm run --prefix web build

import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(webDir, '..', 'internal', 'static', 'dist');
const keep = new Set(['README.md']); // the committed placeholder

function readJSON(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// compareVersions orders "major.minor.patch" strings numerically.
function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const manifest = readJSON(join(webDir, 'package.json'));
const deps = { ...manifest.dependencies, ...manifest.devDependencies };
const packages = Object.entries(deps)
  .filter(([name, spec]) => name === 'posthog-js' || spec.startsWith('npm:posthog-js@'))
  .map(([name]) => name);
if (packages.length === 0) {
  throw new Error('web/package.json lists no posthog-js package');
}

// Start from an empty output directory so that a generation dropped from
// package.json does not linger in the next build.
mkdirSync(distDir, { recursive: true });
for (const entry of readdirSync(distDir)) {
  if (!keep.has(entry)) rmSync(join(distDir, entry), { recursive: true, force: true });
}

const versions = [];
for (const name of packages) {
  const pkgDir = join(webDir, 'node_modules', name);
  let pkg;
  try {
    pkg = readJSON(join(pkgDir, 'package.json'));
  } catch (err) {
    throw new Error(`${name} is not installed (run npm ci --prefix web): ${err.message}`);
  }
  if (pkg.name !== 'posthog-js') {
    throw new Error(`node_modules/${name} is ${pkg.name}, not posthog-js`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(pkg.version)) {
    throw new Error(`${name} has an unexpected version ${JSON.stringify(pkg.version)}`);
  }
  if (versions.includes(pkg.version)) {
    throw new Error(`posthog-js ${pkg.version} is listed twice in web/package.json`);
  }
  const from = join(pkgDir, 'dist');
  const to = join(distDir, pkg.version);
  mkdirSync(to, { recursive: true });
  let files = 0;
  let bytes = 0;
  for (const file of readdirSync(from).sort()) {
    if (!file.endsWith('.js')) continue;
    const src = join(from, file);
    if (!statSync(src).isFile()) continue;
    copyFileSync(src, join(to, file));
    files++;
    bytes += statSync(src).size;
  }
  for (const required of ['array.js', 'array.full.js']) {
    if (!readdirSync(to).includes(required)) {
      throw new Error(`posthog-js ${pkg.version} has no dist/${required}`);
    }
  }
  versions.push(pkg.version);
  console.log(`posthog-js ${pkg.version}: ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB -> internal/static/dist/${pkg.version}/`);
}

versions.sort(compareVersions);
const current = versions[versions.length - 1];
writeFileSync(join(distDir, 'versions.json'), JSON.stringify({ current, versions }, null, 2) + '\n');
console.log(`current: ${current}`);
