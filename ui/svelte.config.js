import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // A single-page app: Tauri serves one index.html; hash routes survive reloads without a server.
    adapter: adapter({ fallback: 'index.html' }),
    router: { type: 'hash' }
  }
};
