// Every language's words are fetched before the tests run, so a test switches language at
// once, as the app does after its first switch.
import { loadLanguage } from '$lib/i18n/index.svelte';

await loadLanguage('es');
await loadLanguage('pt-BR');
