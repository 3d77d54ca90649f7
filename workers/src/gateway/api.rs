//! REST endpoints: the lobby, a match's snapshot, and a page of its events.
//! Errors are JSON `{"error":"..."}` with the matching status code.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tracing::warn;

use super::GatewayState;
use crate::protocol;
use crate::store::{Since, StoreError};

/// Events per page when `limit` is not given.
const DEFAULT_PAGE: usize = 100;

pub(crate) fn routes() -> Router<GatewayState> {
    Router::new()
        .route("/api/matches", get(lobby))
        .route("/api/matches/{id}", get(snapshot))
        .route("/api/matches/{id}/events", get(events))
}

fn json_body(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    json_body(status, json!({ "error": message }).to_string())
}

fn store_failed(state: &GatewayState, match_id: Option<&str>, e: &StoreError) -> Response {
    state.shared.metrics.store_error(e);
    warn!(match_id, error = %e, "store failed serving an API request");
    error(StatusCode::SERVICE_UNAVAILABLE, "the match store is unavailable; retry shortly")
}

/// `GET /api/matches`: live first, then scheduled, then finished; most
/// recently updated first within each group.
async fn lobby(State(state): State<GatewayState>) -> Response {
    match state.shared.store.lobby().await {
        Ok(mut entries) => {
            protocol::sort_lobby(&mut entries);
            match serde_json::to_string(&entries) {
                Ok(body) => json_body(StatusCode::OK, body),
                Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("cannot encode the lobby: {e}")),
            }
        }
        Err(e) => store_failed(&state, None, &e),
    }
}

/// The 400 response for an id clients may not name.
fn bad_id(id: &str) -> Option<Response> {
    if protocol::valid_match_id(id) {
        None
    } else {
        Some(error(
            StatusCode::BAD_REQUEST,
            &format!("match id must be 1-{} characters of letters, digits and -_.:", protocol::MAX_MATCH_ID_LEN),
        ))
    }
}

/// `GET /api/matches/{id}`: the snapshot JSON, as stored.
async fn snapshot(State(state): State<GatewayState>, Path(id): Path<String>) -> Response {
    if let Some(response) = bad_id(&id) {
        return response;
    }
    match state.shared.store.snapshot(&id).await {
        Ok(Some(snapshot)) => json_body(StatusCode::OK, snapshot),
        Ok(None) => error(StatusCode::NOT_FOUND, &format!("match {id} not found")),
        Err(e) => store_failed(&state, Some(&id), &e),
    }
}

/// `GET /api/matches/{id}/events?since=SEQ&limit=N`: the event frames after
/// `since` (default 0), at most `limit` (default 100, capped).
async fn events(
    State(state): State<GatewayState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(response) = bad_id(&id) {
        return response;
    }
    let since = match query.get("since").map(|s| s.parse::<u64>()) {
        None => 0,
        Some(Ok(since)) => since,
        Some(Err(_)) => {
            return error(StatusCode::BAD_REQUEST, "since must be a non-negative integer sequence number");
        }
    };
    let max = state.shared.config.max_events_page.max(1);
    let limit = match query.get("limit").map(|s| s.parse::<usize>()) {
        None => DEFAULT_PAGE.min(max),
        Some(Ok(limit)) if (1..=max).contains(&limit) => limit,
        Some(_) => return error(StatusCode::BAD_REQUEST, &format!("limit must be an integer from 1 to {max}")),
    };
    match state.shared.store.since(&id, since, limit).await {
        Ok(Since::Frames(frames)) => {
            let mut body = String::with_capacity(48 + id.len() + frames.iter().map(|f| f.len() + 1).sum::<usize>());
            body.push_str(&json!({ "match": id, "since": since }).to_string());
            body.pop(); // the closing brace
            body.push_str(r#","events":["#);
            body.push_str(&frames.join(","));
            body.push_str("]}");
            json_body(StatusCode::OK, body)
        }
        Ok(Since::Unavailable) => error(
            StatusCode::GONE,
            &format!("events of match {id} after seq {since} are not available; load the snapshot instead"),
        ),
        Err(e) => store_failed(&state, Some(&id), &e),
    }
}
