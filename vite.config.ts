// The renderer build: one window, one entry (src-renderer/index.html), emitted to
// dist/renderer with relative URLs so Electron can load it from file:// or the test host
// from any static server. No source maps in production: nothing of the source ships twice.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./src-renderer', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: 'chrome120',
    // CSP forbids inline scripts and data: fonts; keep every asset a file of its own.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { fs: { allow: [fileURLToPath(new URL('.', import.meta.url))] } },
});
