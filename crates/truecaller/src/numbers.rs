//! Number management (catalogue §5.5). The API accepts one filter at a time; the type makes that
//! impossible to get wrong: a call takes at most one [`NumberFilter`].

use crate::{TruecallerClient, TruecallerError};
use opsdesk_http::{join_url, Idempotency};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberFilter {
    Department(String),
    Operation(String),
    Process(String),
    FeatureSet(String),
}

impl NumberFilter {
    fn pair(&self) -> (&'static str, &str) {
        match self {
            NumberFilter::Department(v) => ("department_id", v),
            NumberFilter::Operation(v) => ("operation_id", v),
            NumberFilter::Process(v) => ("process_id", v),
            NumberFilter::FeatureSet(v) => ("feature_set_id", v),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct BusinessNumber {
    pub phone_number: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub feature_set_name: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub label_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct FeatureSet {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// Where the feature set sits in the account (seed 004): what the numbers filter's
    /// department, operation and process pickers offer, so nobody copies IDs from the console.
    #[serde(default)]
    pub department_id: Option<String>,
    #[serde(default)]
    pub department_name: Option<String>,
    #[serde(default)]
    operation_id: Option<String>,
    #[serde(default)]
    calling_operation_id: Option<String>,
    #[serde(default)]
    pub calling_operation_name: Option<String>,
    #[serde(default)]
    pub process_id: Option<String>,
    #[serde(default)]
    pub process_name: Option<String>,
    #[serde(default)]
    pub sub_process_name: Option<String>,
}

impl FeatureSet {
    /// The ID the numbers list takes as `operation_id` for this feature set's operation.
    ///
    /// [I] A feature set carries both `operation_id` and `calling_operation_id`, and only the
    /// name of the calling operation; which ID the numbers filter matches is not documented.
    /// `operation_id` is taken, as the filter's own name says, and `calling_operation_id` when
    /// it is missing. This is the one place to change if Truecaller says otherwise.
    pub fn operation_filter_id(&self) -> Option<&str> {
        self.operation_id
            .as_deref()
            .or(self.calling_operation_id.as_deref())
            .filter(|s| !s.is_empty())
    }
}

/// What a publish or delist request did to each number (field names from seed 004).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ListingResult {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub new_numbers: Vec<String>,
    #[serde(default)]
    pub existing_numbers: Vec<String>,
    #[serde(default)]
    pub invalid_numbers: Vec<String>,
    #[serde(default)]
    pub processing_numbers: Vec<String>,
}

#[derive(Deserialize)]
struct NumbersPage {
    #[serde(default)]
    numbers: Vec<BusinessNumber>,
    #[serde(default)]
    pagination_information: Option<Pages>,
}

#[derive(Deserialize)]
struct FeatureSetsPage {
    #[serde(default)]
    feature_sets: Vec<FeatureSet>,
    #[serde(default)]
    pagination_info: Option<Pages>,
}

#[derive(Deserialize)]
struct Pages {
    #[serde(default)]
    total_page_count: u32,
}

impl TruecallerClient {
    /// One page of numbers and the total page count.
    pub async fn numbers(
        &self,
        filter: Option<&NumberFilter>,
        page: u32,
        limit: u32,
    ) -> Result<(Vec<BusinessNumber>, u32), TruecallerError> {
        let url = join_url(
            &self.base,
            &format!(
                "clients/{}/number_management/numbers",
                self.tokens.client_account_id()
            ),
        );
        let (page_s, limit_s) = (page.to_string(), limit.to_string());
        let resp = self
            .authed(
                |t| {
                    let mut q = vec![("page", page_s.as_str()), ("limit", limit_s.as_str())];
                    if let Some(f) = filter {
                        q.push(f.pair());
                    }
                    self.http.get(url.clone()).query(&q).bearer_auth(t)
                },
                Idempotency::Idempotent,
            )
            .await?;
        let p: NumbersPage = resp.json()?;
        Ok((
            p.numbers,
            p.pagination_information
                .map(|x| x.total_page_count)
                .unwrap_or(1),
        ))
    }

    pub async fn feature_sets(
        &self,
        page: u32,
        limit: u32,
    ) -> Result<(Vec<FeatureSet>, u32), TruecallerError> {
        let url = join_url(
            &self.base,
            &format!(
                "clients/{}/number_management/feature_sets",
                self.tokens.client_account_id()
            ),
        );
        let q = [("page", page.to_string()), ("limit", limit.to_string())];
        let resp = self
            .authed(
                |t| self.http.get(url.clone()).query(&q).bearer_auth(t),
                Idempotency::Idempotent,
            )
            .await?;
        let p: FeatureSetsPage = resp.json()?;
        Ok((
            p.feature_sets,
            p.pagination_info.map(|x| x.total_page_count).unwrap_or(1),
        ))
    }

    async fn listing(
        &self,
        feature_set: &str,
        action: &str,
        numbers: &[String],
    ) -> Result<ListingResult, TruecallerError> {
        let url = join_url(
            &self.base,
            &format!(
                "clients/{}/number_management/feature_sets/{feature_set}/numbers/{action}",
                self.tokens.client_account_id()
            ),
        );
        let body = serde_json::json!({ "phone_numbers": numbers });
        // Listing is asynchronous on the vendor's side and answers with per-number outcomes;
        // repeating it is harmless (known numbers come back as existing).
        let resp = self
            .authed(
                |t| self.http.post(url.clone()).bearer_auth(t).json(&body),
                Idempotency::Idempotent,
            )
            .await?;
        Ok(resp.json()?)
    }

    /// Publishes numbers (digits with country code, no `+`) to a feature set.
    pub async fn publish_numbers(
        &self,
        feature_set: &str,
        numbers: &[String],
    ) -> Result<ListingResult, TruecallerError> {
        self.listing(feature_set, "publish", numbers).await
    }

    pub async fn delist_numbers(
        &self,
        feature_set: &str,
        numbers: &[String],
    ) -> Result<ListingResult, TruecallerError> {
        self.listing(feature_set, "delist", numbers).await
    }
}
