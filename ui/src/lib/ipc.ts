// The only door to the backend. Screens call `backend()`; tests install a fake with `setBackend`.
import { Channel, invoke as tauriInvoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { UpdateCheck } from './bindings/UpdateCheck';
import type { ActivityEntry } from './bindings/ActivityEntry';
import type { Attention } from './bindings/Attention';
import type { LineName } from './bindings/LineName';
import type { Seen } from './bindings/Seen';
import type { AppStatus } from './bindings/AppStatus';
import type { Changed } from './bindings/Changed';
import type { ConnectionReport } from './bindings/ConnectionReport';
import type { CredentialsStatus } from './bindings/CredentialsStatus';
import type { Service } from './bindings/Service';
import type { Settings } from './bindings/Settings';
import type { DownloadProgress } from './bindings/DownloadProgress';
import type { DownloadedFile } from './bindings/DownloadedFile';
import type { LinkForm } from './bindings/LinkForm';
import type { LinkOutcome } from './bindings/LinkOutcome';
import type { ProcessView } from './bindings/ProcessView';
import type { RecoveryReport } from './bindings/RecoveryReport';
import type { SavedFile } from './bindings/SavedFile';
import type { ConsentList } from './bindings/ConsentList';
import type { Erased } from './bindings/Erased';
import type { OptOutImport } from './bindings/OptOutImport';
import type { OptOutList } from './bindings/OptOutList';
import type { OptOutAdded } from './bindings/OptOutAdded';
import type { PersonExportFormat } from './bindings/PersonExportFormat';
import type { PersonExportLabels } from './bindings/PersonExportLabels';
import type { PersonQuery } from './bindings/PersonQuery';
import type { PersonView } from './bindings/PersonView';
import type { ListExportFormat } from './bindings/ListExportFormat';
import type { ListExportWords } from './bindings/ListExportWords';

export type ProcessFile = 'pdf' | 'video_recordings';
import type { CheckQuery } from './bindings/CheckQuery';
import type { CheckPage } from './bindings/CheckPage';
import type { CheckSubject } from './bindings/CheckSubject';
import type { CheckView } from './bindings/CheckView';
import type { CreateOutcome } from './bindings/CreateOutcome';
import type { DetailsPage } from './bindings/DetailsPage';
import type { FormField } from './bindings/FormField';
import type { NewCheckForm } from './bindings/NewCheckForm';
import type { AccountCheckSettings } from './bindings/AccountCheckSettings';
import type { ContinuousRunView } from './bindings/ContinuousRunView';
import type { ContinuousView } from './bindings/ContinuousView';
import type { CustomTypeForm } from './bindings/CustomTypeForm';
import type { CheckExtras } from './bindings/CheckExtras';
import type { DraftCheck } from './bindings/DraftCheck';
import type { InboundView } from './bindings/InboundView';
import type { SendDraft } from './bindings/SendDraft';
import type { SendOutcome } from './bindings/SendOutcome';
import type { TemplateDraft } from './bindings/TemplateDraft';
import type { TemplateView } from './bindings/TemplateView';
import type { BulkRowState } from './bindings/BulkRowState';
import type { ExportLabels } from './bindings/ExportLabels';
import type { JobView } from './bindings/JobView';
import type { RowView } from './bindings/RowView';
import type { SheetInfo } from './bindings/SheetInfo';
import type { WaMapping } from './bindings/WaMapping';
import type { WaPreview } from './bindings/WaPreview';
import type { LabelView } from './bindings/LabelView';
import type { TcMapping } from './bindings/TcMapping';
import type { CkMapping } from './bindings/CkMapping';
import type { ImportProgress } from './bindings/ImportProgress';
import type { CallbackView } from './bindings/CallbackView';
import type { EventImport } from './bindings/EventImport';
import type { FeatureSetView } from './bindings/FeatureSetView';
import type { ListingView } from './bindings/ListingView';
import type { NumberFilterKind } from './bindings/NumberFilterKind';
import type { NumbersPageView } from './bindings/NumbersPageView';
import type { OneCallForm } from './bindings/OneCallForm';
import type { LogRequest } from './bindings/LogRequest';
import type { ProcessQuery } from './bindings/ProcessQuery';
import type { ProcessPage } from './bindings/ProcessPage';
import type { InboxSync } from './bindings/InboxSync';
import type { ResendForm } from './bindings/ResendForm';
import type { FlowEntry } from './bindings/FlowEntry';

/** Milliseconds since the page began loading (`performance.now()`), and when that was. */
export interface StartupMarks {
  page_origin_epoch_ms: number;
  script_ms: number;
  status_asked_ms: number;
  status_back_ms: number;
  painted_ms: number;
}

export interface Backend {
  appStatus(): Promise<AppStatus>;
  /** The first screen is painted: the backend logs the start-up time. */
  uiReady(marks: StartupMarks): Promise<void>;
  resetLocalCache(): Promise<AppStatus>;
  /** Opens and checks the cache again (after the keyring was unlocked, say). */
  retryLocalCache(): Promise<AppStatus>;
  /** Saves a copy of a damaged cache and carries what can be read into a fresh one. */
  recoverLocalCache(): Promise<RecoveryReport>;
  savedFiles(): Promise<SavedFile[]>;
  deleteSavedFilesPastRetention(): Promise<number>;
  diagnostics(): Promise<string>;
  /** Asks the update server whether a newer OpsDesk exists. */
  updateCheck(): Promise<UpdateCheck>;
  /** Downloads, verifies and installs it, then restarts (refused while a list is sending). */
  updateInstall(): Promise<void>;
  openLogFolder(): Promise<void>;
  saveSettings(settings: Settings): Promise<Settings>;
  saveTruoraKey(key: string): Promise<CredentialsStatus>;
  saveTruecallerKeys(keyId: string, apiKey: string, clientAccountId: string): Promise<CredentialsStatus>;
  removeCredentials(service: Service): Promise<CredentialsStatus>;
  testConnection(service: Service): Promise<ConnectionReport>;
  listActivity(limit: number): Promise<ActivityEntry[]>;
  /** The start screen's list; `today` is the operator's calendar day, `YYYY-MM-DD`. */
  attention(today: string): Promise<Attention>;
  attentionSeen(what: Seen, id: string): Promise<void>;
  attentionSeenAll(): Promise<void>;
  checksFormFields(subject: CheckSubject, country: string): Promise<FormField[]>;
  /** Rejects with a list of field errors when the form is invalid. */
  checksCreate(form: NewCheckForm): Promise<CreateOutcome>;
  checksSearch(query: CheckQuery): Promise<CheckPage>;
  checksGet(id: string): Promise<CheckView>;
  checksRefresh(id: string): Promise<CheckView>;
  checksImport(jobId: string, onProgress: (p: ImportProgress) => void): Promise<ImportProgress>;
  checksDetails(id: string, lang: string, cursor: string | null): Promise<DetailsPage>;
  checksDelete(id: string): Promise<void>;
  checksDownloadPdf(
    id: string,
    lang: string,
    jobId: string,
    chooseFolder: boolean,
    onProgress: (p: DownloadProgress) => void
  ): Promise<DownloadedFile>;
  checksExtras(id: string): Promise<CheckExtras>;
  checksDownloadAttachment(
    id: string,
    index: number,
    jobId: string,
    onProgress: (p: DownloadProgress) => void
  ): Promise<DownloadedFile>;
  checksCustomTypes(): Promise<CustomTypeForm[]>;
  /** Rejects with a list of field errors when the form is invalid. */
  checksSaveCustomType(form: CustomTypeForm): Promise<void>;
  checksDeleteCustomType(name: string, country: string): Promise<void>;
  checksAccountSettings(): Promise<AccountCheckSettings | null>;
  checksSaveAccountSettings(settings: AccountCheckSettings): Promise<void>;
  checksMakeContinuous(checkId: string, frequency: string, endDate: string): Promise<ContinuousView>;
  checksContinuous(): Promise<ContinuousView[]>;
  checksContinuousSetEnabled(id: string, enabled: boolean): Promise<ContinuousView>;
  checksContinuousChange(id: string, frequency: string, endDate: string): Promise<ContinuousView>;
  checksContinuousHistory(id: string): Promise<ContinuousRunView[]>;
  identityLookup(input: string): Promise<ProcessView>;
  identityGet(processId: string): Promise<ProcessView>;
  /** A page of the identity inbox, newest first. */
  identitySearch(query: ProcessQuery): Promise<ProcessPage>;
  /** Records a visit to the inbox; returns when it was visited before. */
  identityInboxVisit(): Promise<number | null>;
  identitySyncState(): Promise<InboxSync>;
  /** Asks Truora for new and changed processes now. */
  identitySync(): Promise<InboxSync>;
  identityDelete(processId: string): Promise<void>;
  identityResendLink(processId: string, form: ResendForm): Promise<void>;
  /** The checks list as filtered on screen, every page, saved as Excel or CSV. */
  checksExport(
    query: CheckQuery,
    format: ListExportFormat,
    words: ListExportWords,
    chooseFolder: boolean
  ): Promise<DownloadedFile>;
  /** The identity inbox as filtered on screen, every page, saved as Excel or CSV. */
  identityExport(
    query: ProcessQuery,
    format: ListExportFormat,
    words: ListExportWords,
    chooseFolder: boolean
  ): Promise<DownloadedFile>;
  /** Every Activity entry, saved as Excel or CSV. */
  activityExport(format: ListExportFormat, words: ListExportWords, chooseFolder: boolean): Promise<DownloadedFile>;
  /** Everything this computer holds about a person (validation problems listed per field). */
  peopleFind(query: PersonQuery): Promise<PersonView>;
  peopleExport(
    query: PersonQuery,
    format: PersonExportFormat,
    labels: PersonExportLabels,
    chooseFolder: boolean
  ): Promise<DownloadedFile>;
  /** Erases everything local about the person; `optOut` keeps a hash on the do-not-contact list. */
  peopleErase(query: PersonQuery, optOut: boolean): Promise<Erased>;
  /** Practice mode: brings in the practice person and says who to search for. */
  peoplePractice(): Promise<PersonQuery>;
  optOuts(): Promise<OptOutList>;
  optOutAdd(countryCode: string, phone: string): Promise<OptOutAdded>;
  optOutRemove(key: string): Promise<void>;
  /** Asks for a file of numbers (native dialog) and adds them. */
  optOutImport(countryCode: string): Promise<OptOutImport>;
  consents(): Promise<ConsentList>;
  identityFlows(): Promise<FlowEntry[]>;
  identityNameFlow(flowId: string, name: string): Promise<FlowEntry[]>;
  identityDownload(
    processId: string,
    file: ProcessFile,
    jobId: string,
    chooseFolder: boolean,
    onProgress: (p: DownloadProgress) => void
  ): Promise<DownloadedFile>;
  /** Rejects with a list of field errors when the form is invalid. */
  identitySendLink(form: LinkForm): Promise<LinkOutcome>;
  whatsappLines(): Promise<string[]>;
  /** Resolves with the line as digits; rejects with a validation error at `line`. */
  whatsappAddLine(line: string): Promise<string>;
  whatsappLineNames(): Promise<LineName[]>;
  whatsappNameLine(line: string, name: string): Promise<void>;
  whatsappRemoveLine(line: string): Promise<void>;
  whatsappCached(line: string): Promise<TemplateView[]>;
  whatsappRefresh(line: string): Promise<TemplateView[]>;
  whatsappTemplate(id: string): Promise<TemplateView>;
  whatsappReload(id: string): Promise<TemplateView>;
  whatsappCheckDraft(draft: TemplateDraft): Promise<DraftCheck>;
  /** Rejects with a list of field errors when the draft breaks a rule. */
  whatsappCreate(draft: TemplateDraft): Promise<TemplateView>;
  whatsappDelete(id: string): Promise<void>;
  /** Rejects with a list of field errors; `wa_already_sent` asks for `sendAgain`. */
  whatsappSend(draft: SendDraft, sendAgain: boolean): Promise<SendOutcome>;
  whatsappCreateInbound(line: string, flowId: string, message: string): Promise<InboundView>;
  whatsappSaveQr(link: string, chooseFolder: boolean): Promise<DownloadedFile>;
  /** Opens the file picker; rejects with `cancelled` when closed. */
  bulkChooseFile(): Promise<SheetInfo>;
  whatsappBulkCheck(mapping: WaMapping): Promise<WaPreview>;
  whatsappBulkCreate(mapping: WaMapping, title: string): Promise<JobView>;
  truecallerBulkCheck(mapping: TcMapping): Promise<WaPreview>;
  truecallerBulkCreate(mapping: TcMapping, title: string): Promise<JobView>;
  checksBulkFields(subject: CheckSubject, country: string | null): Promise<FormField[]>;
  bulkRowsExport(
    id: number,
    format: ListExportFormat,
    words: ListExportWords,
    labels: ExportLabels,
    chooseFolder: boolean
  ): Promise<DownloadedFile>;
  whatsappTemplatesExport(
    line: string,
    status: string | null,
    format: ListExportFormat,
    words: ListExportWords,
    chooseFolder: boolean
  ): Promise<DownloadedFile>;
  checksBulkCheck(mapping: CkMapping): Promise<WaPreview>;
  checksBulkCreate(mapping: CkMapping, title: string): Promise<JobView>;
  truecallerLabels(): Promise<LabelView[]>;
  /** Rejects with a list of field errors when the form is invalid. */
  truecallerPushCall(form: OneCallForm): Promise<void>;
  truecallerNumbers(kind: NumberFilterKind | null, value: string, page: number): Promise<NumbersPageView>;
  truecallerFeatureSets(): Promise<FeatureSetView[]>;
  truecallerListing(featureSet: string, numbers: string[], publish: boolean): Promise<ListingView>;
  truecallerImportEvents(): Promise<EventImport>;
  truecallerCallbacks(): Promise<CallbackView[]>;
  truecallerCallbackDone(eventId: string, done: boolean): Promise<void>;
  truecallerLabelsCached(): Promise<LabelView[]>;
  truecallerLabelsRefresh(): Promise<LabelView[]>;
  truecallerDownloadLog(request: LogRequest, chooseFolder: boolean): Promise<DownloadedFile>;
  bulkJobs(kind: string): Promise<JobView[]>;
  bulkJob(id: number): Promise<JobView>;
  bulkRows(id: number, states: BulkRowState[], afterRow: number, limit: number): Promise<RowView[]>;
  bulkStart(id: number): Promise<JobView>;
  bulkPause(id: number): Promise<boolean>;
  bulkCancel(id: number): Promise<void>;
  bulkResolveUncertain(id: number, resend: boolean): Promise<JobView>;
  bulkExport(id: number, labels: ExportLabels, chooseFolder: boolean): Promise<DownloadedFile>;
  cancelJob(jobId: string): Promise<boolean>;
  openDownload(id: number, reveal: boolean): Promise<void>;
  chooseDownloadDir(): Promise<Settings | null>;
  /** Calls `handler` whenever the backend reports a write; returns an unsubscribe function. */
  onChanged(handler: (c: Changed) => void): Promise<() => void>;
}

// A damaged cache can be discovered by any call: the app then switches to the recovery page.
let onStoreProblem: (() => void) | null = null;

/** Registers what to do when a call finds the local cache unusable (the layout refreshes). */
export function whenStoreFails(handler: () => void): void {
  onStoreProblem = handler;
}

async function invoke<T>(cmd: string, args?: InvokeArgs): Promise<T> {
  try {
    return await tauriInvoke<T>(cmd, args);
  } catch (e) {
    const code = e && typeof e === 'object' && 'code' in e ? (e as { code: unknown }).code : null;
    if (code === 'store_unreadable' || code === 'store_key_missing') onStoreProblem?.();
    throw e;
  }
}

export const tauriBackend: Backend = {
  appStatus: () => invoke('app_status'),
  uiReady: (marks) => invoke('ui_ready', { marks }),
  resetLocalCache: () => invoke('reset_local_cache'),
  retryLocalCache: () => invoke('retry_local_cache'),
  recoverLocalCache: () => invoke('recover_local_cache'),
  savedFiles: () => invoke('saved_files'),
  deleteSavedFilesPastRetention: () => invoke('delete_saved_files_past_retention'),
  diagnostics: () => invoke('diagnostics'),
  updateCheck: () => invoke('update_check'),
  updateInstall: () => invoke('update_install'),
  openLogFolder: () => invoke('open_log_folder'),
  saveSettings: (settings) => invoke('save_settings', { settings }),
  saveTruoraKey: (key) => invoke('save_truora_key', { key }),
  saveTruecallerKeys: (keyId, apiKey, clientAccountId) =>
    invoke('save_truecaller_keys', { keyId, apiKey, clientAccountId }),
  removeCredentials: (service) => invoke('remove_credentials', { service }),
  testConnection: (service) => invoke('test_connection', { service }),
  listActivity: (limit) => invoke('list_activity', { limit }),
  attention: (today) => invoke('attention', { today }),
  attentionSeen: (what, id) => invoke('attention_seen', { what, id }),
  attentionSeenAll: () => invoke('attention_seen_all'),
  checksFormFields: (subject, country) => invoke('checks_form_fields', { subject, country }),
  checksCreate: (form) => invoke('checks_create', { form }),
  checksSearch: (query) => invoke('checks_search', { query }),
  checksGet: (id) => invoke('checks_get', { id }),
  checksRefresh: (id) => invoke('checks_refresh', { id }),
  checksImport: (jobId, onProgress) => {
    const ch = new Channel<ImportProgress>();
    ch.onmessage = onProgress;
    return invoke('checks_import', { jobId, onProgress: ch });
  },
  checksDetails: (id, lang, cursor) => invoke('checks_details', { id, lang, cursor }),
  checksDelete: (id) => invoke('checks_delete', { id }),
  checksDownloadPdf: (id, lang, jobId, chooseFolder, onProgress) => {
    const ch = new Channel<DownloadProgress>();
    ch.onmessage = onProgress;
    return invoke('checks_download_pdf', { id, lang, jobId, chooseFolder, onProgress: ch });
  },
  checksExtras: (id) => invoke('checks_extras', { id }),
  checksDownloadAttachment: (id, index, jobId, onProgress) => {
    const ch = new Channel<DownloadProgress>();
    ch.onmessage = onProgress;
    return invoke('checks_download_attachment', { id, index, jobId, onProgress: ch });
  },
  checksCustomTypes: () => invoke('checks_custom_types'),
  checksSaveCustomType: (form) => invoke('checks_save_custom_type', { form }),
  checksDeleteCustomType: (name, country) => invoke('checks_delete_custom_type', { name, country }),
  checksAccountSettings: () => invoke('checks_account_settings'),
  checksSaveAccountSettings: (settings) => invoke('checks_save_account_settings', { settings }),
  checksMakeContinuous: (checkId, frequency, endDate) =>
    invoke('checks_make_continuous', { checkId, frequency, endDate }),
  checksContinuous: () => invoke('checks_continuous'),
  checksContinuousSetEnabled: (id, enabled) => invoke('checks_continuous_set_enabled', { id, enabled }),
  checksContinuousChange: (id, frequency, endDate) => invoke('checks_continuous_change', { id, frequency, endDate }),
  checksContinuousHistory: (id) => invoke('checks_continuous_history', { id }),
  identityLookup: (input) => invoke('identity_lookup', { input }),
  identityGet: (processId) => invoke('identity_get', { processId }),
  identitySearch: (query) => invoke('identity_search', { query }),
  identityInboxVisit: () => invoke('identity_inbox_visit'),
  identitySyncState: () => invoke('identity_sync_state'),
  identitySync: () => invoke('identity_sync'),
  identityDelete: (processId) => invoke('identity_delete', { processId }),
  identityResendLink: (processId, form) => invoke('identity_resend_link', { processId, form }),
  checksExport: (query, format, words, chooseFolder) => invoke('checks_export', { query, format, words, chooseFolder }),
  identityExport: (query, format, words, chooseFolder) =>
    invoke('identity_export', { query, format, words, chooseFolder }),
  activityExport: (format, words, chooseFolder) => invoke('activity_export', { format, words, chooseFolder }),
  peopleFind: (query) => invoke('people_find', { query }),
  peopleExport: (query, format, labels, chooseFolder) =>
    invoke('people_export', { query, format, labels, chooseFolder }),
  peopleErase: (query, optOut) => invoke('people_erase', { query, optOut }),
  peoplePractice: () => invoke('people_practice'),
  optOuts: () => invoke('opt_outs'),
  optOutAdd: (countryCode, phone) => invoke('opt_out_add', { countryCode, phone }),
  optOutRemove: (key) => invoke('opt_out_remove', { key }),
  optOutImport: (countryCode) => invoke('opt_out_import', { countryCode }),
  consents: () => invoke('consents'),
  identityFlows: () => invoke('identity_flows'),
  identityNameFlow: (flowId, name) => invoke('identity_name_flow', { flowId, name }),
  identityDownload: (processId, file, jobId, chooseFolder, onProgress) => {
    const ch = new Channel<DownloadProgress>();
    ch.onmessage = onProgress;
    return invoke('identity_download', { processId, file, jobId, chooseFolder, onProgress: ch });
  },
  identitySendLink: (form) => invoke('identity_send_link', { form }),
  whatsappLines: () => invoke('whatsapp_lines'),
  whatsappAddLine: (line) => invoke('whatsapp_add_line', { line }),
  whatsappLineNames: () => invoke('whatsapp_line_names'),
  whatsappNameLine: (line, name) => invoke('whatsapp_name_line', { line, name }),
  whatsappRemoveLine: (line) => invoke('whatsapp_remove_line', { line }),
  whatsappCached: (line) => invoke('whatsapp_cached', { line }),
  whatsappRefresh: (line) => invoke('whatsapp_refresh', { line }),
  whatsappTemplate: (id) => invoke('whatsapp_template', { id }),
  whatsappReload: (id) => invoke('whatsapp_reload', { id }),
  whatsappCheckDraft: (draft) => invoke('whatsapp_check_draft', { draft }),
  whatsappCreate: (draft) => invoke('whatsapp_create', { draft }),
  whatsappDelete: (id) => invoke('whatsapp_delete', { id }),
  whatsappSend: (draft, sendAgain) => invoke('whatsapp_send', { draft, sendAgain }),
  whatsappCreateInbound: (line, flowId, message) => invoke('whatsapp_create_inbound', { line, flowId, message }),
  whatsappSaveQr: (link, chooseFolder) => invoke('whatsapp_save_qr', { link, chooseFolder }),
  bulkChooseFile: () => invoke('bulk_choose_file'),
  whatsappBulkCheck: (mapping) => invoke('whatsapp_bulk_check', { mapping }),
  whatsappBulkCreate: (mapping, title) => invoke('whatsapp_bulk_create', { mapping, title }),
  truecallerBulkCheck: (mapping) => invoke('truecaller_bulk_check', { mapping }),
  truecallerBulkCreate: (mapping, title) => invoke('truecaller_bulk_create', { mapping, title }),
  checksBulkFields: (subject, country) => invoke('checks_bulk_fields', { subject, country }),
  bulkRowsExport: (id, format, words, labels, chooseFolder) =>
    invoke('bulk_rows_export', { id, format, words, labels, chooseFolder }),
  whatsappTemplatesExport: (line, status, format, words, chooseFolder) =>
    invoke('whatsapp_templates_export', { line, status, format, words, chooseFolder }),
  checksBulkCheck: (mapping) => invoke('checks_bulk_check', { mapping }),
  checksBulkCreate: (mapping, title) => invoke('checks_bulk_create', { mapping, title }),
  truecallerLabels: () => invoke('truecaller_labels'),
  truecallerPushCall: (form) => invoke('truecaller_push_call', { form }),
  truecallerNumbers: (kind, value, page) => invoke('truecaller_numbers', { kind, value, page }),
  truecallerFeatureSets: () => invoke('truecaller_feature_sets'),
  truecallerListing: (featureSet, numbers, publish) => invoke('truecaller_listing', { featureSet, numbers, publish }),
  truecallerImportEvents: () => invoke('truecaller_import_events'),
  truecallerCallbacks: () => invoke('truecaller_callbacks'),
  truecallerCallbackDone: (eventId, done) => invoke('truecaller_callback_done', { eventId, done }),
  truecallerLabelsCached: () => invoke('truecaller_labels_cached'),
  truecallerLabelsRefresh: () => invoke('truecaller_labels_refresh'),
  truecallerDownloadLog: (request, chooseFolder) => invoke('truecaller_download_log', { request, chooseFolder }),
  bulkJobs: (kind) => invoke('bulk_jobs', { kind }),
  bulkJob: (id) => invoke('bulk_job', { id }),
  bulkRows: (id, states, afterRow, limit) => invoke('bulk_rows', { id, states, afterRow, limit }),
  bulkStart: (id) => invoke('bulk_start', { id }),
  bulkPause: (id) => invoke('bulk_pause', { id }),
  bulkCancel: (id) => invoke('bulk_cancel', { id }),
  bulkResolveUncertain: (id, resend) => invoke('bulk_resolve_uncertain', { id, resend }),
  bulkExport: (id, labels, chooseFolder) => invoke('bulk_export', { id, labels, chooseFolder }),
  cancelJob: (jobId) => invoke('cancel_job', { jobId }),
  openDownload: (id, reveal) => invoke('open_download', { id, reveal }),
  chooseDownloadDir: () => invoke('choose_download_dir'),
  onChanged: (handler) => listen<Changed>('changed', (e) => handler(e.payload))
};

let current: Backend = tauriBackend;

export function backend(): Backend {
  return current;
}

export function setBackend(b: Backend): void {
  current = b;
}
