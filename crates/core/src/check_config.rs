//! Custom check types, the account's check settings and continuous checks.

use opsdesk_http::RuleCode;
use opsdesk_truora::checks::config::CustomType;
use opsdesk_truora::checks::config_rules::{
    parse_max_duration, validate_continuous, validate_custom_type,
};
use opsdesk_truora::checks::rules::RuleError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

use crate::activity::Outcome;
use crate::app::App;
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CustomTypeForm {
    pub name: String,
    pub country: String,
    pub weights: BTreeMap<String, f64>,
    /// Replace an existing type rather than create one.
    pub update: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
#[ts(export)]
pub struct AccountCheckSettings {
    /// e.g. `25m`, `2h`.
    pub max_duration: String,
    /// `soft` or `exact`; the sources disagree on the default, so it is always sent explicitly.
    pub names_matching: String,
    pub retries: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ContinuousView {
    pub id: String,
    pub check_id: Option<String>,
    pub frequency: Option<String>,
    pub enabled: bool,
    pub next_run: Option<String>,
    pub end_date: Option<String>,
    /// Who or what the repeated check is about, from the cache (name, else document).
    pub subject: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ContinuousRunView {
    pub check_id: Option<String>,
    pub date: Option<String>,
    /// new | up | down | same: how the result moved compared with the previous run.
    pub change: Option<String>,
}

fn to_app(errs: Vec<RuleError>) -> Vec<AppError> {
    errs.into_iter()
        .map(|e| AppError::validation(&e.field, e.rule, format!("{} {}", e.field, e.rule)))
        .collect()
}

fn view(c: opsdesk_truora::checks::config::ContinuousCheck) -> ContinuousView {
    ContinuousView {
        id: c.id,
        check_id: c.check_id,
        frequency: c.frequency,
        enabled: c.enabled.unwrap_or(true),
        next_run: c.next_run,
        end_date: c.end_date,
        subject: None,
    }
}

const SETTINGS_KEY: &str = "checks.account_settings";

impl App {
    pub async fn checks_custom_types(&self) -> Result<Vec<CustomTypeForm>, AppError> {
        let types = self.truora().await?.list_custom_types().await?;
        Ok(types
            .into_iter()
            .map(|t| CustomTypeForm {
                name: t.name,
                country: t.country,
                weights: t.weights,
                update: true,
            })
            .collect())
    }

    pub async fn checks_save_custom_type(&self, f: &CustomTypeForm) -> Result<(), Vec<AppError>> {
        let errs = validate_custom_type(&f.name, &f.country, &f.weights);
        if !errs.is_empty() {
            return Err(to_app(errs));
        }
        let client = self.truora().await.map_err(|e| vec![e])?;
        let t = CustomType {
            name: f.name.trim().into(),
            country: f.country.clone(),
            weights: f.weights.clone(),
        };
        let r = client.save_custom_type(&t, f.update).await;
        self.record(
            "checks",
            "checks.custom_type_saved",
            if r.is_ok() {
                Outcome::Ok
            } else {
                Outcome::Failed
            },
            &t.name,
        );
        r.map_err(|e| vec![e.into()])
    }

    pub async fn checks_delete_custom_type(
        &self,
        name: &str,
        country: &str,
    ) -> Result<(), AppError> {
        self.truora()
            .await?
            .delete_custom_type(name, country)
            .await?;
        self.record("checks", "checks.custom_type_deleted", Outcome::Ok, name);
        Ok(())
    }

    /// What was last saved from this computer (the API offers no way to read it back).
    pub fn checks_account_settings(&self) -> Option<AccountCheckSettings> {
        self.with_conn(|c| crate::store::settings::get(c, SETTINGS_KEY))
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_str(&v).ok())
    }

    pub async fn checks_save_account_settings(
        &self,
        s: &AccountCheckSettings,
    ) -> Result<(), Vec<AppError>> {
        let mut errs = Vec::new();
        if let Err(rule) = parse_max_duration(&s.max_duration) {
            errs.push(AppError::validation("max_duration", rule, "max_duration"));
        }
        if s.names_matching != "soft" && s.names_matching != "exact" {
            errs.push(AppError::validation(
                "names_matching",
                RuleCode::Required,
                "choose soft or exact",
            ));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let client = self.truora().await.map_err(|e| vec![e])?;
        client
            .save_check_settings(
                Some(s.max_duration.trim()),
                Some(&s.names_matching),
                Some(s.retries),
            )
            .await
            .map_err(|e| vec![e.into()])?;
        let json = serde_json::to_string(s).expect("settings serialise");
        self.with_conn(|c| crate::store::settings::put(c, SETTINGS_KEY, &json))
            .map_err(|e| vec![e])?;
        self.record("checks", "checks.settings_saved", Outcome::Ok, "");
        Ok(())
    }

    pub async fn checks_make_continuous(
        &self,
        check_id: &str,
        frequency: &str,
        end_date: &str,
    ) -> Result<ContinuousView, Vec<AppError>> {
        let today = chrono::Local::now().format("%Y-%m-%d").to_string();
        let errs = validate_continuous(check_id, frequency, end_date, &today);
        if !errs.is_empty() {
            return Err(to_app(errs));
        }
        let client = self.truora().await.map_err(|e| vec![e])?;
        let end = Some(end_date.trim()).filter(|e| !e.is_empty());
        let r = client
            .create_continuous(check_id, frequency.trim(), end)
            .await;
        self.record(
            "checks",
            "checks.continuous_created",
            if r.is_ok() {
                Outcome::Ok
            } else {
                Outcome::Failed
            },
            check_id,
        );
        r.map(view).map_err(|e| vec![e.into()])
    }

    pub async fn checks_continuous(&self) -> Result<Vec<ContinuousView>, AppError> {
        let mut views: Vec<ContinuousView> = self
            .truora()
            .await?
            .list_continuous()
            .await?
            .into_iter()
            .map(view)
            .collect();
        // Listed by person, not by check ID, where the check is cached.
        for v in &mut views {
            if let Some(id) = &v.check_id {
                v.subject = self
                    .with_conn(|c| crate::store::checks::load(c, id))
                    .ok()
                    .flatten()
                    .map(|(row, _, _)| {
                        if row.subject.is_empty() {
                            row.document
                        } else {
                            row.subject
                        }
                    })
                    .filter(|s| !s.is_empty());
            }
        }
        Ok(views)
    }

    pub async fn checks_continuous_set_enabled(
        &self,
        id: &str,
        enabled: bool,
    ) -> Result<ContinuousView, AppError> {
        let c = self
            .truora()
            .await?
            .update_continuous(id, None, Some(enabled), None)
            .await?;
        self.record(
            "checks",
            if enabled {
                "checks.continuous_resumed"
            } else {
                "checks.continuous_paused"
            },
            Outcome::Ok,
            id,
        );
        Ok(view(c))
    }

    /// A new frequency and end date for a continuous check, checked like a new one first.
    pub async fn checks_continuous_change(
        &self,
        id: &str,
        frequency: &str,
        end_date: &str,
    ) -> Result<ContinuousView, Vec<AppError>> {
        let today = chrono::Local::now().format("%Y-%m-%d").to_string();
        let errs =
            opsdesk_truora::checks::config_rules::validate_schedule(frequency, end_date, &today);
        if !errs.is_empty() {
            return Err(to_app(errs));
        }
        let client = self.truora().await.map_err(|e| vec![e])?;
        let end = Some(end_date.trim()).filter(|e| !e.is_empty());
        let r = client
            .update_continuous(id, Some(frequency.trim()), None, end)
            .await;
        self.record(
            "checks",
            "checks.continuous_changed",
            if r.is_ok() {
                Outcome::Ok
            } else {
                Outcome::Failed
            },
            id,
        );
        r.map(view).map_err(|e| vec![e.into()])
    }

    pub async fn checks_continuous_history(
        &self,
        id: &str,
    ) -> Result<Vec<ContinuousRunView>, AppError> {
        let runs = self.truora().await?.continuous_history(id).await?;
        Ok(runs
            .into_iter()
            .map(|r| ContinuousRunView {
                check_id: r.check_id,
                date: r.date,
                change: r.change,
            })
            .collect())
    }
}
