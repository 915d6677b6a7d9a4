//! The "storage host" that vendors redirect file downloads to. A different origin from the API.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

use crate::state::{Shared, Vendor};

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/files/{token}", get(serve))
        .merge(crate::truora::batches::storage_router())
}

async fn serve(
    State(s): State<Arc<Shared>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut st = s.state.lock().unwrap();
    if headers.contains_key("truora-api-key") || headers.contains_key("authorization") {
        st.stats.storage_requests_with_credentials += 1;
    }
    match st.files.get(&token) {
        Some(f) => (
            StatusCode::OK,
            [
                ("content-type", f.content_type.clone()),
                (
                    "content-disposition",
                    format!("attachment; filename=\"{}\"", f.file_name),
                ),
            ],
            f.bytes.clone(),
        )
            .into_response(),
        None => crate::vendor_error(Vendor::Storage, StatusCode::NOT_FOUND, "NoSuchKey"),
    }
}
