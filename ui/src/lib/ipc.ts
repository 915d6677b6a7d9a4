// The only door to the backend. Screens call `backend()`; tests install a fake with `setBackend`.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { ActivityEntry } from './bindings/ActivityEntry';
import type { AppStatus } from './bindings/AppStatus';
import type { Changed } from './bindings/Changed';
import type { ConnectionReport } from './bindings/ConnectionReport';
import type { CredentialsStatus } from './bindings/CredentialsStatus';
import type { Service } from './bindings/Service';
import type { Settings } from './bindings/Settings';

export interface Backend {
  appStatus(): Promise<AppStatus>;
  resetLocalCache(): Promise<AppStatus>;
  diagnostics(): Promise<string>;
  openLogFolder(): Promise<void>;
  saveSettings(settings: Settings): Promise<Settings>;
  saveTruoraKey(key: string): Promise<CredentialsStatus>;
  saveTruecallerKeys(keyId: string, apiKey: string, clientAccountId: string): Promise<CredentialsStatus>;
  removeCredentials(service: Service): Promise<CredentialsStatus>;
  testConnection(service: Service): Promise<ConnectionReport>;
  listActivity(limit: number): Promise<ActivityEntry[]>;
  /** Calls `handler` whenever the backend reports a write; returns an unsubscribe function. */
  onChanged(handler: (c: Changed) => void): Promise<() => void>;
}

export const tauriBackend: Backend = {
  appStatus: () => invoke('app_status'),
  resetLocalCache: () => invoke('reset_local_cache'),
  diagnostics: () => invoke('diagnostics'),
  openLogFolder: () => invoke('open_log_folder'),
  saveSettings: (settings) => invoke('save_settings', { settings }),
  saveTruoraKey: (key) => invoke('save_truora_key', { key }),
  saveTruecallerKeys: (keyId, apiKey, clientAccountId) =>
    invoke('save_truecaller_keys', { keyId, apiKey, clientAccountId }),
  removeCredentials: (service) => invoke('remove_credentials', { service }),
  testConnection: (service) => invoke('test_connection', { service }),
  listActivity: (limit) => invoke('list_activity', { limit }),
  onChanged: (handler) => listen<Changed>('changed', (e) => handler(e.payload))
};

let current: Backend = tauriBackend;

export function backend(): Backend {
  return current;
}

export function setBackend(b: Backend): void {
  current = b;
}
