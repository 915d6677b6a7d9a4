//! The rule codes: every reason OpsDesk refuses an input, one name each. The vendor crates'
//! validators, the core's use cases and the UI share them: the UI gets them as a TypeScript
//! union (`RuleCode.ts`) and translates each (`rule.<code>` in every language bundle), so a new
//! rule that nobody translated fails the UI's type check instead of showing a raw key.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! rule_codes {
    ($($variant:ident = $wire:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[ts(export)]
        pub enum RuleCode {
            $(#[serde(rename = $wire)] $variant,)*
        }

        impl RuleCode {
            /// Every code, for tests that check each one is handled.
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$variant,)*];

            /// The code as it travels (and as the UI's message keys name it).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleCode::$variant => $wire,)*
                }
            }

            pub fn parse(s: &str) -> Option<RuleCode> {
                match s {
                    $($wire => Some(RuleCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

rule_codes! {
    BadAccountId = "bad_account_id",
    BrazilOnly = "brazil_only",
    BulkCellsTooFarRight = "bulk_cells_too_far_right",
    BulkFileEmpty = "bulk_file_empty",
    BulkNoRows = "bulk_no_rows",
    BulkNoSuchColumn = "bulk_no_such_column",
    BulkNothingValid = "bulk_nothing_valid",
    BulkOptInNeeded = "bulk_opt_in_needed",
    BulkTooBig = "bulk_too_big",
    BulkTooManyCells = "bulk_too_many_cells",
    BulkTooManyColumns = "bulk_too_many_columns",
    BulkTooManyRows = "bulk_too_many_rows",
    BulkUnreadable = "bulk_unreadable",
    BulkValuesPastHeader = "bulk_values_past_header",
    ConsentRequired = "consent_required",
    CountryCode = "country_code",
    DigitsOnly = "digits_only",
    DocumentTooShort = "document_too_short",
    DurationFormat = "duration_format",
    DurationRange = "duration_range",
    EndAllowsNoRun = "end_allows_no_run",
    EndsBeforeStart = "ends_before_start",
    EndsInThePast = "ends_in_the_past",
    FrequencyFormat = "frequency_format",
    Imei15Digits = "imei_15_digits",
    ImeiCheckDigit = "imei_check_digit",
    InTheFuture = "in_the_future",
    LabelNameLength = "label_name_length",
    LettersAndDigits = "letters_and_digits",
    NeedsCountryCode = "needs_country_code",
    NoDataset = "no_dataset",
    NotACpf = "not_a_cpf",
    NotACurp = "not_a_curp",
    NotADate = "not_a_date",
    NotAFlowId = "not_a_flow_id",
    NotAFolder = "not_a_folder",
    NotALabel = "not_a_label",
    NotAPhone = "not_a_phone",
    NotAMobile = "not_a_mobile",
    NotAPlate = "not_a_plate",
    NotAProcessId = "not_a_process_id",
    NotARegion = "not_a_region",
    NotARut = "not_a_rut",
    NotATruoraKey = "not_a_truora_key",
    NotAUrl = "not_a_url",
    NotAUuid = "not_a_uuid",
    NotAnEmail = "not_an_email",
    OptedOut = "opted_out",
    PersonKeysNeeded = "person_keys_needed",
    EraseNeedsNumberOrId = "erase_needs_number_or_id",
    FullNameNeeded = "full_name_needed",
    NotAvailableInCountry = "not_available_in_country",
    OneDocumentNeeded = "one_document_needed",
    NotE164 = "not_e164",
    NotInBrazil = "not_in_brazil",
    OutOfRange = "out_of_range",
    ReasonCharacters = "reason_characters",
    ReasonLength = "reason_length",
    Required = "required",
    RequiredWithNativeId = "required_with_native_id",
    ReservedTypeName = "reserved_type_name",
    TcLogUnavailable = "tc_log_unavailable",
    TcTooManyEvents = "tc_too_many_events",
    TooLong = "too_long",
    TooLong128 = "too_long_128",
    TypeNameChars = "type_name_chars",
    UnknownDataset = "unknown_dataset",
    UnknownTemplate = "unknown_template",
    UnsafeCharacters = "unsafe_characters",
    UnsafeFile = "unsafe_file",
    WaAlreadySent = "wa_already_sent",
    WaAuthBodyFixed = "wa_auth_body_fixed",
    WaAuthNoButtons = "wa_auth_no_buttons",
    WaAuthTextOnly = "wa_auth_text_only",
    WaBodyTooLong = "wa_body_too_long",
    WaButtonPhoneTooLong = "wa_button_phone_too_long",
    WaCodeTooLong = "wa_code_too_long",
    WaCopyCodeMarketingOnly = "wa_copy_code_marketing_only",
    WaCopyCodeNoLabel = "wa_copy_code_no_label",
    WaExpiryAuthOnly = "wa_expiry_auth_only",
    WaExpiryRange = "wa_expiry_range",
    WaFlowRequired = "wa_flow_required",
    WaFooterNotAllowed = "wa_footer_not_allowed",
    WaFooterPlainText = "wa_footer_plain_text",
    WaFooterTooLong = "wa_footer_too_long",
    WaHeaderNotAllowed = "wa_header_not_allowed",
    WaHeaderOneVariable = "wa_header_one_variable",
    WaHeaderTooLong = "wa_header_too_long",
    WaInboundNotUnique = "wa_inbound_not_unique",
    WaLabelTooLong = "wa_label_too_long",
    WaMaybeSent = "wa_maybe_sent",
    WaMediaTooBig = "wa_media_too_big",
    WaMediaType = "wa_media_type",
    WaNameTooLong = "wa_name_too_long",
    WaNotALine = "wa_not_a_line",
    WaNotAWebAddress = "wa_not_a_web_address",
    WaNotApproved = "wa_not_approved",
    WaOptInRequired = "wa_opt_in_required",
    WaQuickRepliesApart = "wa_quick_replies_apart",
    WaQuickReplyInNotification = "wa_quick_reply_in_notification",
    WaSampleRequired = "wa_sample_required",
    WaTooManyButtons = "wa_too_many_buttons",
    WaTooManyCopyCode = "wa_too_many_copy_code",
    WaTooManyPhoneButtons = "wa_too_many_phone_buttons",
    WaTooManyQuickReplies = "wa_too_many_quick_replies",
    WaTooManyUrlButtons = "wa_too_many_url_buttons",
    WaUrlTooLong = "wa_url_too_long",
    WaUrlVariableAtEnd = "wa_url_variable_at_end",
    WaVariableSyntax = "wa_variable_syntax",
    WeightRange = "weight_range",
    WeightsSum = "weights_sum",
    WindowOver24h = "window_over_24h",
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_travels_as_its_name_and_back() {
        for c in RuleCode::ALL {
            let wire = serde_json::to_string(c).unwrap();
            assert_eq!(wire, format!("\"{}\"", c.as_str()));
            assert_eq!(RuleCode::parse(c.as_str()), Some(*c));
        }
    }
}
