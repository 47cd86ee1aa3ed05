/// <reference types="vitest/config" />
// Vite builds the SPA into dist/; Django serves dist/ under /static/ (STATICFILES_DIRS + whitenoise)
// and index.html itself at every UI path (config/spa.py), so asset URLs are based at /static/.
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

export default defineConfig({
  base: '/static/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: {
    // `npm run dev` against a Django on :8000 (optional; the README's commands never need it).
    proxy: { '/api': 'http://127.0.0.1:8000', '/accounts': 'http://127.0.0.1:8000' },
  },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
})
