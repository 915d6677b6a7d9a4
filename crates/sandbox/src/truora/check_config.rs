//! Custom types (catalogue §2.4), account settings (§2.5) and continuous checks (§2.7).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::CustomType;
use crate::state::Shared;

#[derive(Debug, Clone)]
pub struct Continuous {
    pub id: String,
    pub check_id: String,
    pub frequency: String,
    pub end_date: Option<String>,
    pub enabled: bool,
    pub created_ms: i64,
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/v1/config",
            get(list_types)
                .post(create_type)
                .put(update_type)
                .delete(delete_type),
        )
        .route("/v1/settings", post(settings))
        .route(
            "/v1/continuous-checks",
            get(list_continuous).post(create_continuous),
        )
        .route(
            "/v1/continuous-checks/{id}",
            get(get_continuous).put(update_continuous),
        )
        .route("/v1/continuous-checks/{id}/history", get(history))
}

fn bad(m: &str) -> Response {
    super::error(StatusCode::BAD_REQUEST, m)
}

fn type_json(t: &CustomType) -> serde_json::Value {
    let mut o = serde_json::json!({ "type": t.name, "country": t.country, "client_id": "TCIsandbox", "config_id": format!("CFG{}", t.name) });
    for (k, v) in &t.weights {
        o[format!("dataset_{k}")] = (*v).into();
    }
    o
}

async fn list_types(State(s): State<Arc<Shared>>) -> Response {
    let st = s.state.lock().unwrap();
    Json(serde_json::json!({ "configs": st.truora.custom_types.iter().map(type_json).collect::<Vec<_>>() })).into_response()
}

/// Parses and checks a custom type form: not a built-in name, weights 0..1 summing to 1,
/// no tax dataset in Brazil.
fn parse_type(form: &[(String, String)]) -> Result<CustomType, Response> {
    let get = |k: &str| super::form_value(form, k);
    let name = get("type").ok_or_else(|| bad("type is required"))?;
    if matches!(name.as_str(), "person" | "vehicle" | "company") {
        return Err(bad("type cannot be person, vehicle or company"));
    }
    let country = get("country").ok_or_else(|| bad("country is required"))?;
    let mut weights = BTreeMap::new();
    for (k, v) in form {
        if let Some(ds) = k.strip_prefix("dataset_") {
            let w: f64 = v.parse().map_err(|_| bad("weights must be numbers"))?;
            if !(0.0..=1.0).contains(&w) {
                return Err(bad("weights must be between 0 and 1"));
            }
            if w > 0.0 {
                weights.insert(ds.to_string(), w);
            }
        }
    }
    let sum: f64 = weights.values().sum();
    if weights.is_empty() || (sum - 1.0).abs() > 1e-6 {
        return Err(bad("the weights must sum to 1"));
    }
    if country == "BR" && weights.contains_key("taxes_and_finances") {
        return Err(bad("taxes_and_finances is not supported in Brazil"));
    }
    Ok(CustomType {
        name,
        country,
        weights,
    })
}

async fn create_type(
    State(s): State<Arc<Shared>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let t = match parse_type(&form) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut st = s.state.lock().unwrap();
    if st
        .truora
        .custom_types
        .iter()
        .any(|x| x.name == t.name && x.country == t.country)
    {
        return bad("a custom type with this name already exists for this country");
    }
    let body = type_json(&t);
    st.truora.custom_types.push(t);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn update_type(
    State(s): State<Arc<Shared>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let t = match parse_type(&form) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut st = s.state.lock().unwrap();
    match st
        .truora
        .custom_types
        .iter_mut()
        .find(|x| x.name == t.name && x.country == t.country)
    {
        Some(x) => {
            *x = t.clone();
            Json(type_json(&t)).into_response()
        }
        None => super::error(StatusCode::NOT_FOUND, "custom type not found"),
    }
}

#[derive(serde::Deserialize)]
struct DeleteQuery {
    #[serde(rename = "type")]
    name: Option<String>,
    country: Option<String>,
}

async fn delete_type(State(s): State<Arc<Shared>>, Query(q): Query<DeleteQuery>) -> Response {
    let (Some(name), Some(country)) = (q.name, q.country) else {
        return bad("type and country are required");
    };
    if matches!(name.as_str(), "person" | "vehicle" | "company") {
        return bad("built-in types cannot be deleted");
    }
    let mut st = s.state.lock().unwrap();
    let before = st.truora.custom_types.len();
    st.truora
        .custom_types
        .retain(|x| !(x.name == name && x.country == country));
    if st.truora.custom_types.len() == before {
        return super::error(StatusCode::NOT_FOUND, "custom type not found");
    }
    let remaining: Vec<_> = st
        .truora
        .custom_types
        .iter()
        .filter(|x| x.country == country)
        .map(type_json)
        .collect();
    Json(serde_json::json!({ "configs": remaining })).into_response()
}

async fn settings(
    State(s): State<Arc<Shared>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
    };
    let mut out = serde_json::Map::new();
    if let Some(d) = get("max_duration") {
        let (num, unit) = d.split_at(d.len().saturating_sub(1));
        let minutes = match (num.parse::<u32>(), unit) {
            (Ok(n), "m") => n,
            (Ok(n), "h") => n * 60,
            _ => return bad("max_duration must look like 25m or 2h"),
        };
        // The API reference's range (15 min – 7 days).
        if !(15..=168 * 60).contains(&minutes) {
            return bad("max_duration must be between 15m and 168h");
        }
        out.insert("max_duration".into(), d.into());
    }
    if let Some(m) = get("names_matching_type") {
        if m != "soft" && m != "exact" {
            return bad("names_matching_type must be soft or exact");
        }
        out.insert("names_matching_type".into(), m.into());
    }
    if let Some(r) = get("retries") {
        if r != "true" && r != "false" {
            return bad("retries must be true or false");
        }
        out.insert("retries".into(), (r == "true").into());
    }
    if out.is_empty() {
        return bad("nothing to update");
    }
    s.state.lock().unwrap().truora.settings = Some(out.clone());
    Json(serde_json::Value::Object(out)).into_response()
}

/// A frequency's period in virtual ms (months as 30 days).
fn period_ms(frequency: &str) -> i64 {
    let days = match frequency {
        "daily" => 1,
        "weekly" => 7,
        "monthly" => 30,
        "yearly" => 365,
        f if f.len() >= 2 => {
            f[..f.len() - 1].parse::<i64>().unwrap_or(1).max(1)
                * match f.as_bytes()[f.len() - 1] {
                    b'w' => 7,
                    b'm' => 30,
                    b'y' => 365,
                    _ => 1,
                }
        }
        _ => 1,
    };
    days * 86_400_000
}

/// The old spec's PascalCase shape (catalogue §2.7).
fn continuous_json(c: &Continuous, s: &Shared) -> serde_json::Value {
    // The next run is the first whole period after now, at the frequency in effect.
    let period = period_ms(&c.frequency);
    let now = s.clock.now_ms();
    let next = c.created_ms + ((now - c.created_ms).max(0) / period + 1) * period;
    serde_json::json!({
        "ContinuousCheckID": c.id,
        "ContinuousCheckStatus": "same",
        "CreationDate": s.clock.iso(c.created_ms),
        "Enabled": c.enabled,
        "Frequency": c.frequency,
        "LastCheckID": c.check_id,
        "NextRunDate": s.clock.iso(next),
        "OriginalCheck": c.check_id,
        "EndDate": c.end_date,
    })
}

fn valid_frequency(f: &str) -> bool {
    matches!(f, "daily" | "weekly" | "monthly" | "yearly")
        || (f.len() >= 2
            && f[..f.len() - 1].parse::<u32>().is_ok_and(|n| n > 0)
            && matches!(f.as_bytes()[f.len() - 1], b'd' | b'w' | b'm' | b'y'))
}

async fn create_continuous(
    State(s): State<Arc<Shared>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| super::form_value(&form, k);
    let Some(check_id) = get("check_id") else {
        return bad("check_id is required");
    };
    let Some(frequency) = get("frequency") else {
        return bad("frequency is required");
    };
    if !valid_frequency(&frequency) {
        return bad("frequency is not valid");
    }
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    if !st
        .truora
        .checks
        .iter()
        .any(|c| c.check_id == check_id && !c.deleted)
    {
        return super::error(StatusCode::NOT_FOUND, "The Check was not found");
    }
    let c = Continuous {
        id: format!("CCK{}", &uuid::Uuid::new_v4().simple().to_string()[..20]),
        check_id,
        frequency,
        end_date: get("end_date"),
        enabled: true,
        created_ms: now,
    };
    let body = continuous_json(&c, &s);
    st.truora.continuous.push(c);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn list_continuous(State(s): State<Arc<Shared>>) -> Response {
    let st = s.state.lock().unwrap();
    Json(serde_json::json!({ "continuous_checks": st.truora.continuous.iter().map(|c| continuous_json(c, &s)).collect::<Vec<_>>() })).into_response()
}

async fn get_continuous(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let st = s.state.lock().unwrap();
    match st.truora.continuous.iter().find(|c| c.id == id) {
        Some(c) => Json(continuous_json(c, &s)).into_response(),
        None => super::error(StatusCode::NOT_FOUND, "continuous check not found"),
    }
}

async fn update_continuous(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| super::form_value(&form, k);
    let mut st = s.state.lock().unwrap();
    let Some(c) = st.truora.continuous.iter_mut().find(|c| c.id == id) else {
        return super::error(StatusCode::NOT_FOUND, "continuous check not found");
    };
    if let Some(f) = get("frequency") {
        if !valid_frequency(&f) {
            return bad("frequency is not valid");
        }
        c.frequency = f;
    }
    if let Some(e) = get("end_date") {
        if e.len() != 10 || e.as_bytes()[4] != b'-' || e.as_bytes()[7] != b'-' {
            return bad("end_date must be YYYY-MM-DD");
        }
        c.end_date = Some(e);
    }
    if let Some(st_) = get("status") {
        match st_.as_str() {
            "enabled" => c.enabled = true,
            "disabled" => c.enabled = false,
            _ => return bad("status must be enabled or disabled"),
        }
    }
    let body = continuous_json(c, &s);
    Json(body).into_response()
}

/// Runs so far: one per period since creation, in virtual time.
async fn history(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let st = s.state.lock().unwrap();
    let Some(c) = st.truora.continuous.iter().find(|c| c.id == id) else {
        return super::error(StatusCode::NOT_FOUND, "continuous check not found");
    };
    let period = period_ms(&c.frequency);
    let runs = ((now - c.created_ms) / period).clamp(0, 50);
    let items: Vec<_> = (0..=runs)
        .map(|i| {
            serde_json::json!({
                "CheckID": if i == 0 { c.check_id.clone() } else { format!("{}R{i}", c.check_id) },
                "CreationDate": s.clock.iso(c.created_ms + i * period),
                "Status": if i == 0 { "new" } else { "same" },
            })
        })
        .collect();
    Json(serde_json::json!({ "history": items })).into_response()
}
