#!/usr/bin/env node
/**
 * Builds the web dashboard (web/src) into web/dist: index.html plus content-hashed ES modules and
 * CSS under web/dist/assets, each with .br and .gz siblings that the api serves precompressed.
 * Pages are split into chunks (a page's chart library loads with that page only).
 *
 *   node scripts/build-web.mjs            one minified build
 *   node scripts/build-web.mjs --watch    rebuild on every change (the api re-reads index.html)
 *
 * Never touches dist/ (the server's build).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const webDir = join(root, 'web');
const outDir = join(webDir, 'dist');
const assetsDir = join(outDir, 'assets');
const watch = process.argv.includes('--watch');

/** Writes index.html for the entry's hashed files, compresses the assets, drops stale ones. */
const finish = {
  name: 'dashboard-finish',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0 || !result.metafile) {
        return;
      }
      const outputs = Object.entries(result.metafile.outputs);
      const entry = outputs.find(([, meta]) => meta.entryPoint === 'web/src/main.tsx');
      if (!entry) {
        throw new Error('The build produced no bundle for web/src/main.tsx');
      }
      const [entryFile, entryMeta] = entry;
      const url = (file) => `/${relative(outDir, join(root, file)).split('\\').join('/')}`;
      const preloads = entryMeta.imports
        .filter((imported) => imported.kind === 'import-statement')
        .map((imported) => `<link rel="modulepreload" href="${url(imported.path)}" />`);
      const template = readFileSync(join(webDir, 'index.html'), 'utf8');
      const html = template
        .replace(
          '<!-- styles -->',
          entryMeta.cssBundle ? `<link rel="stylesheet" href="${url(entryMeta.cssBundle)}" />` : '',
        )
        .replace(
          '<!-- scripts -->',
          [...preloads, `<script type="module" src="${url(entryFile)}"></script>`].join('\n    '),
        );
      writeFileSync(join(outDir, 'index.html'), html);
      const current = new Set(outputs.map(([file]) => basename(file)));
      for (const file of readdirSync(assetsDir)) {
        const original = file.replace(/\.(br|gz)$/, '');
        if (!current.has(original)) {
          rmSync(join(assetsDir, file));
        } else if (original === file && !file.endsWith('.map')) {
          const body = readFileSync(join(assetsDir, file));
          writeFileSync(join(assetsDir, `${file}.gz`), gzipSync(body, { level: 9 }));
          writeFileSync(
            join(assetsDir, `${file}.br`),
            brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
          );
        }
      }
      const sizes = outputs
        .filter(([file]) => !file.endsWith('.map'))
        .map(([file, meta]) => `${basename(file)} ${(meta.bytes / 1024).toFixed(1)} KB`);
      console.log(`Dashboard built into ${relative(root, outDir)}: ${sizes.join(', ')}`);
    });
  },
};

mkdirSync(assetsDir, { recursive: true });
const options = {
  absWorkingDir: root,
  entryPoints: ['web/src/main.tsx'],
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2022', 'chrome111', 'firefox113', 'safari16'],
  outdir: assetsDir,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  minify: !watch,
  sourcemap: 'linked',
  metafile: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  conditions: [watch ? 'development' : 'production'],
  define: { 'process.env.NODE_ENV': watch ? '"development"' : '"production"' },
  legalComments: 'linked',
  logLevel: 'warning',
  plugins: [finish],
};
if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log('Watching web/src; reload the page after each rebuild');
} else {
  await esbuild.build(options);
}
