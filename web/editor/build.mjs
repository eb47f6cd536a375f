// Builds Weft's editor into index.html + assets/ (committed, embedded by
// embed.go). Deterministic: same sources and lock file, same bytes.
// Usage: node build.mjs [outdir]   (default: this directory)
import * as esbuild from 'esbuild';
import {copyFileSync, mkdirSync, rmSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || here;
rmSync(join(out, 'assets'), {recursive: true, force: true});
mkdirSync(join(out, 'assets'), {recursive: true});
await esbuild.build({
  absWorkingDir: here,
  entryPoints: {app: 'src/main.js'},
  outdir: join(out, 'assets'),
  bundle: true,
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  minify: true,
  target: ['chrome110', 'firefox115', 'safari16'],
  platform: 'browser',
  legalComments: 'linked',
  charset: 'utf8',
  define: {'process.env.NODE_ENV': '"production"', global: 'globalThis'},
  logLevel: 'warning',
});
copyFileSync(join(here, 'src/index.html'), join(out, 'index.html'));
