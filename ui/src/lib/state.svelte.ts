// App-wide state: the backend's status, refreshed at start and whenever the backend says
// settings, credentials or the local cache changed.
import type { AppStatus } from './bindings/AppStatus';
import type { RecoveryReport } from './bindings/RecoveryReport';
import type { Theme } from './bindings/Theme';
import { setLanguage } from './i18n/index.svelte';
import { backend } from './ipc';

export const app = $state<{ status: AppStatus | null; loadError: unknown; recovery: RecoveryReport | null }>({
  status: null,
  loadError: null,
  // What the last "Recover" carried over, shown once above the screen it returns to.
  recovery: null
});

// The status asked for by app.html as the page began loading, used once.
let early = (globalThis as { __opsdeskStatus?: Promise<AppStatus> }).__opsdeskStatus;

// Each refresh's turn: one that finishes after a newer one was applied (it had a language to
// fetch) must not put back an older status. The newest *finished* one wins, so a stream of
// refreshes (a running list reports often) still applies each answer as it comes.
let turn = 0;
let applied = 0;

export async function refreshStatus(): Promise<void> {
  const mine = ++turn;
  try {
    const pending = early ?? backend().appStatus();
    early = undefined;
    const status = await pending;
    // The words first: the screens are drawn once the status is in, in the right language.
    // Words that cannot be fetched leave the app in English rather than not at all.
    if (status.settings) await setLanguage(status.settings.language).catch(() => {});
    if (mine < applied) return;
    applied = mine;
    if (status.settings) applyTheme(status.settings.theme);
    app.status = status;
    app.loadError = null;
  } catch (e) {
    if (mine < applied) return;
    applied = mine;
    app.loadError = e;
  }
}

export function applyTheme(theme: Theme): void {
  if (typeof document === 'undefined') return;
  const dark = theme === 'dark' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}
