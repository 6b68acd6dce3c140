#!/usr/bin/env node
/**
 * The npm registry this project is built from serves only the packages of its own platform, so
 * `npm install` leaves other platforms' optional native packages (@swc/core-darwin-arm64, ...)
 * out of package-lock.json, and `npm ci` then refuses the lock file. This adds an entry for each
 * missing one, with its os and cpu, so npm skips it here and fetches it on that platform.
 * Run it after changing dependencies: `npm run lockfile:complete`.
 */
const fs = require('fs');
const path = process.argv[2] ?? require('node:path').join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(path, 'utf8'));
const pkgs = lock.packages;
const added = [];
for (const [loc, meta] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies || {})) {
    const base = loc ? loc + '/node_modules/' + name : 'node_modules/' + name;
    const hoisted = 'node_modules/' + name;
    if (pkgs[base] || pkgs[hoisted]) continue;
    const m = /-(darwin|linux|win32|freebsd|android|openbsd|sunos|aix)-(arm64|x64|arm|ia32|ppc64|s390x|riscv64|loong64)/.exec(name);
    if (!m) { console.error('cannot infer platform for', name); continue; }
    pkgs[hoisted] = { version, ...(meta.dev ? { dev: true } : {}), optional: true, os: [m[1]], cpu: [m[2]] };
    added.push(name + '@' + version);
  }
}
const sorted = {};
for (const k of Object.keys(pkgs).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1))) sorted[k] = pkgs[k];
lock.packages = sorted;
fs.writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log('added', added.join(', '));
