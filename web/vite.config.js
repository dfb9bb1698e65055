// The dashboard is a static bundle: `npm run build` writes dist/, which `dhis2lake serve` serves.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
  server: {
    // `npm run dev` proxies the API to a running `dhis2lake serve` (default port).
    proxy: { '/api': 'http://127.0.0.1:8080', '/metrics': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' },
  },
});
