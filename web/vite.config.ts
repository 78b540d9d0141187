// Builds the console into internal/console/dist, which is committed and embedded in
// the binary (go:embed), so `go build` needs no npm. The output must be the same on
// every machine: `make check-web` rebuilds it and fails on any difference.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/app/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../internal/console/dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: false,
    assetsInlineLimit: 0,
  },
  server: {
    // `npm run dev` proxies the API of a `make run` server.
    proxy: { '/graphql': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
