//! Client for custom types, account settings and continuous checks. Response shapes here are
//! from the old official spec or inferred (catalogue §2.4, §2.7): parsing is deliberately
//! tolerant and kept in this one file.

use crate::TruoraClient;
use opsdesk_http::{execute, join_url, ApiError, Idempotency};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomType {
    pub name: String,
    pub country: String,
    pub weights: BTreeMap<String, f64>,
}

/// Reads a custom type from `{type, country, dataset_<name>: weight, …}`.
fn custom_type_of(v: &serde_json::Value) -> Option<CustomType> {
    let o = v.as_object()?;
    let name = o.get("type")?.as_str()?.to_string();
    let country = o
        .get("country")
        .and_then(|c| c.as_str())
        .unwrap_or("ALL")
        .to_string();
    let weights = o
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("dataset_")?.to_string(), v.as_f64()?)))
        .collect();
    Some(CustomType {
        name,
        country,
        weights,
    })
}

/// Accepts a bare array or an object wrapping one (`configs`, or any array field).
fn list_of(v: &serde_json::Value) -> Vec<CustomType> {
    let arr = match v {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => o
            .values()
            .find_map(|x| x.as_array().cloned())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    arr.iter().filter_map(custom_type_of).collect()
}

/// A continuous check. The old spec uses PascalCase keys; snake_case is accepted too.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ContinuousCheck {
    #[serde(alias = "ContinuousCheckID", alias = "continuous_check_id")]
    pub id: String,
    #[serde(default, alias = "OriginalCheck", alias = "original_check")]
    pub check_id: Option<String>,
    #[serde(default, alias = "Frequency")]
    pub frequency: Option<String>,
    #[serde(default, alias = "Enabled")]
    pub enabled: Option<bool>,
    #[serde(default, alias = "NextRunDate", alias = "next_run_date")]
    pub next_run: Option<String>,
    #[serde(default, alias = "LastCheckID", alias = "last_check_id")]
    pub last_check_id: Option<String>,
    #[serde(
        default,
        alias = "ContinuousCheckStatus",
        alias = "continuous_check_status"
    )]
    pub change: Option<String>,
    #[serde(default, alias = "EndDate")]
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ContinuousRun {
    #[serde(default, alias = "CheckID")]
    pub check_id: Option<String>,
    #[serde(default, alias = "CreationDate")]
    pub date: Option<String>,
    #[serde(default, alias = "Status")]
    pub change: Option<String>,
}

impl TruoraClient {
    fn form_call(
        &self,
        method: reqwest::Method,
        path: &str,
        form: Vec<(String, String)>,
    ) -> impl std::future::Future<Output = Result<opsdesk_http::ApiResponse, ApiError>> + '_ {
        let url = join_url(&self.endpoints.checks, path);
        async move {
            execute(
                || self.authorize(self.http().request(method.clone(), url.clone()).form(&form)),
                Idempotency::NotIdempotent,
                &self.retry,
                None,
                None,
            )
            .await
        }
    }

    pub async fn list_custom_types(&self) -> Result<Vec<CustomType>, ApiError> {
        Ok(list_of(
            &self
                .get_json::<serde_json::Value>(&self.endpoints.checks, "v1/config", &[])
                .await?,
        ))
    }

    /// Creates (or with `update`, replaces) a custom type. Weights of 0 are left out: an
    /// omitted dataset is skipped entirely (catalogue §2.4).
    pub async fn save_custom_type(&self, t: &CustomType, update: bool) -> Result<(), ApiError> {
        let mut form = vec![
            ("type".to_string(), t.name.clone()),
            ("country".to_string(), t.country.clone()),
        ];
        for (ds, w) in t.weights.iter().filter(|(_, w)| **w > 0.0) {
            form.push((format!("dataset_{ds}"), format!("{w}")));
        }
        let method = if update {
            reqwest::Method::PUT
        } else {
            reqwest::Method::POST
        };
        self.form_call(method, "v1/config", form).await?;
        Ok(())
    }

    pub async fn delete_custom_type(
        &self,
        name: &str,
        country: &str,
    ) -> Result<Vec<CustomType>, ApiError> {
        let mut url = join_url(&self.endpoints.checks, "v1/config");
        url.query_pairs_mut()
            .append_pair("type", name)
            .append_pair("country", country);
        let v: serde_json::Value = execute(
            || self.authorize(self.http().delete(url.clone())),
            Idempotency::Idempotent,
            &self.retry,
            None,
            None,
        )
        .await?
        .json()?;
        Ok(list_of(&v))
    }

    /// Account-wide settings; only the fields given are sent.
    pub async fn save_check_settings(
        &self,
        max_duration: Option<&str>,
        names_matching: Option<&str>,
        retries: Option<bool>,
    ) -> Result<(), ApiError> {
        let mut form = Vec::new();
        if let Some(d) = max_duration {
            form.push(("max_duration".to_string(), d.to_string()));
        }
        if let Some(m) = names_matching {
            form.push(("names_matching_type".to_string(), m.to_string()));
        }
        if let Some(r) = retries {
            form.push(("retries".to_string(), r.to_string()));
        }
        self.form_call(reqwest::Method::POST, "v1/settings", form)
            .await?;
        Ok(())
    }

    pub async fn create_continuous(
        &self,
        check_id: &str,
        frequency: &str,
        end_date: Option<&str>,
    ) -> Result<ContinuousCheck, ApiError> {
        let mut form = vec![
            ("check_id".to_string(), check_id.to_string()),
            ("frequency".to_string(), frequency.to_string()),
        ];
        if let Some(e) = end_date {
            form.push(("end_date".to_string(), e.to_string()));
        }
        self.form_call(reqwest::Method::POST, "v1/continuous-checks", form)
            .await?
            .json()
    }

    /// Changes a continuous check. `end_date` on an update is not documented (catalogue §2.7
    /// lists `frequency` and `status`; `end_date` is the create field's name, itself [I]): it is
    /// sent only when the operator changes the end, and this is the one place to change that.
    pub async fn update_continuous(
        &self,
        id: &str,
        frequency: Option<&str>,
        enabled: Option<bool>,
        end_date: Option<&str>,
    ) -> Result<ContinuousCheck, ApiError> {
        let mut form = Vec::new();
        if let Some(f) = frequency {
            form.push(("frequency".to_string(), f.to_string()));
        }
        if let Some(e) = end_date {
            form.push(("end_date".to_string(), e.to_string()));
        }
        if let Some(e) = enabled {
            form.push((
                "status".to_string(),
                if e { "enabled" } else { "disabled" }.to_string(),
            ));
        }
        self.form_call(
            reqwest::Method::PUT,
            &format!("v1/continuous-checks/{id}"),
            form,
        )
        .await?
        .json()
    }

    pub async fn list_continuous(&self) -> Result<Vec<ContinuousCheck>, ApiError> {
        self.get_list(&self.endpoints.checks, "v1/continuous-checks")
            .await
    }

    pub async fn get_continuous(&self, id: &str) -> Result<ContinuousCheck, ApiError> {
        self.get_json(
            &self.endpoints.checks,
            &format!("v1/continuous-checks/{id}"),
            &[],
        )
        .await
    }

    pub async fn continuous_history(&self, id: &str) -> Result<Vec<ContinuousRun>, ApiError> {
        self.get_list(
            &self.endpoints.checks,
            &format!("v1/continuous-checks/{id}/history"),
        )
        .await
    }
}
