// Lint rules for the UI: the recommended sets of ESLint, typescript-eslint and
// eslint-plugin-svelte, with Prettier owning the layout.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default defineConfig(
  // Built output, SvelteKit's generated files and the bindings generated from Rust.
  { ignores: ['build/', '.svelte-kit/', 'src/lib/bindings/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  prettier,
  ...svelte.configs.prettier,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // TypeScript already reports undefined names, and knows the ambient types no-undef does not.
      'no-undef': 'off',
      // It asks for resolve() around every link and goto() so they follow `paths.base`. The app
      // always runs from the root of its own window (no base path), so it would only add noise.
      'svelte/no-navigation-without-resolve': 'off',
      // A leading underscore marks a name that must be there but is not used (an each item).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig }
    }
  }
);
