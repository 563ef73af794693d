// Compiles the admin CLI to plain JavaScript (dist/cli), so a command starts without tsx's
// TypeScript loader. Each command's module stays its own chunk, loaded only when it runs.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Old chunks (content-hashed names) would pile up beside the new ones.
rmSync('dist/cli', { recursive: true, force: true });

await build({
  entryPoints: ['src-server/cli/admin.ts'],
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
