// The admin web console build: its own entry (src-admin/index.html) and bundle, separate
// from the desktop renderer, emitted to dist/admin and served by the server at /admin/.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src-admin', import.meta.url)),
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/admin', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: 'chrome120',
    // The console's CSP allows only its own files: no inline scripts, styles or data: assets.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
