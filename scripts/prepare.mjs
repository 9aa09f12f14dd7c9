#!/usr/bin/env node
// Makes a fresh clone runnable: installs dependencies when node_modules is
// missing or older than package.json or the lockfile (a pull that added a
// dependency), and builds when any source is newer than the last build. Used by
// `npm run demo` and `npm test`, so both work as the first command after a clone.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

const installed = path.join(root, 'node_modules', '.package-lock.json');
const manifests = ['package.json', 'package-lock.json']
  .map((f) => path.join(root, f))
  .filter((f) => existsSync(f))
  .map((f) => statSync(f).mtimeMs);
if (!existsSync(installed) || statSync(installed).mtimeMs < Math.max(...manifests)) {
  console.log('prepare: installing dependencies (npm install)…');
  run('npm install --no-audit --no-fund');
}

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

const stamp = path.join(root, 'dist', '.build-stamp');
const sources = Math.max(newest(path.join(root, 'apps')), newest(path.join(root, 'libs')));
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  console.log('prepare: building (npm run build)…');
  run('npm run build');
}
