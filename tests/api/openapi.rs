//! `GET /api/openapi.json` keeps in step with the routes: it is OpenAPI 3.1
//! in shape, every operation it names is served with a status it documents,
//! and every route of the table (src/routes/mod.rs) is either in it or in
//! `session_auth::NOT_IN_API`. (`.ci/schemathesis` checks it from outside.)

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// The document, fetched anonymously as any client would.
async fn document(app: &TestApp) -> Value {
    let response = app.new_client().get("/api/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.unwrap()
}

/// Every (METHOD, path) the document names.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            found.insert((method.to_uppercase(), path.clone()));
        }
    }
    found
}

/// Every `"$ref"` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_answers_links_and_refs_that_resolve() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = document(&app).await;
    let version = doc["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1."), "openapi: {version}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert_eq!(
        doc["components"]["securitySchemes"]["session"]["in"],
        "cookie"
    );

    let mut operation_ids = BTreeSet::new();
    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let responses = operation["responses"].as_object().unwrap();
        assert!(!responses.is_empty(), "{method} {path} documents no answer");
        assert!(
            !responses.contains_key("default") && !responses.contains_key("500"),
            "{method} {path}: every status is named, and a 500 is a bug"
        );
        let id = operation["operationId"].as_str().unwrap().to_owned();
        assert!(
            operation_ids.insert(id),
            "{method} {path}: operationId reused"
        );
    }
    // Links name operations that exist, in OpenAPI's spelling.
    for item in doc["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            for response in operation["responses"].as_object().unwrap().values() {
                for link in response["links"]
                    .as_object()
                    .into_iter()
                    .flat_map(|l| l.values())
                {
                    let target = link["operationId"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{link}"));
                    assert!(operation_ids.contains(target), "link to {target}");
                    assert!(
                        link.get("operation_id").is_none() && link.get("request_body").is_none()
                    );
                }
            }
        }
    }
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    assert!(!targets.is_empty());
    for target in targets {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{target}"));
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }
    // The error codes are the app's.
    assert_eq!(
        doc["components"]["schemas"]["Error"]["properties"]["error"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"].clone();
    for code in [
        "invalid_credentials",
        "unauthorized",
        "too_many_requests",
        "validation_failed",
    ] {
        assert!(
            codes.as_array().unwrap().contains(&json!(code)),
            "{code}: {codes}"
        );
    }
}

#[tokio::test]
async fn every_documented_operation_is_served_with_a_documented_status() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.register("alice").await;
    let doc = document(&app).await;
    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        // Each on a client of its own, logged in: a logout ends only that one.
        let client = app.new_client();
        client.login("alice", PASSWORD).await;
        let mut request = client
            .request(
                method.parse::<Method>().unwrap(),
                &path.replace("{id}", "no-such-id"),
            )
            .header("accept", "application/json");
        if operation.get("requestBody").is_some() {
            request = request.json(&json!({}));
        }
        let status = send(request).await.status();
        assert!(
            operation["responses"].get(status.as_str()).is_some(),
            "{method} {path} answered {status}, which it does not document"
        );
        assert!(
            status != StatusCode::METHOD_NOT_ALLOWED
                && (status != StatusCode::NOT_FOUND || path.contains('{')),
            "{method} {path} answered {status}: documented but not served"
        );
    }
}

#[tokio::test]
async fn without_registration_the_document_has_no_register() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.allow_registration = false).await;
    let doc = document(&app).await;
    assert!(doc["paths"].get("/register").is_none());
    assert!(doc["paths"].get("/login").is_some());
}

/// Every (METHOD, path) of the route table in src/routes/mod.rs: each
/// `web::resource("…")` with the methods registered on it.
fn route_table() -> BTreeSet<(String, String)> {
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes/mod.rs")).unwrap();
    let start = source.find("pub fn configure(").unwrap();
    let end = start + source[start..].find("\n}\n").unwrap();
    let mut routes = BTreeSet::new();
    for chunk in source[start..end].split("web::resource(\"").skip(1) {
        let (path, rest) = chunk.split_once('"').unwrap();
        let mut methods = 0;
        for method in ["get", "post", "put", "patch", "delete"] {
            if rest.contains(&format!(".{method}(")) || rest.contains(&format!("web::{method}()")) {
                routes.insert((method.to_uppercase(), path.to_owned()));
                methods += 1;
            }
        }
        assert!(
            methods > 0,
            "no method found for {path} in src/routes/mod.rs"
        );
    }
    assert!(
        routes.len() > 20,
        "the route table was not read: {routes:?}"
    );
    routes
}

#[tokio::test]
async fn every_route_is_documented_or_listed_as_outside_the_api() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let documented = operations(&document(&app).await);
    let outside: BTreeSet<(String, String)> = session_auth::NOT_IN_API
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let table = route_table();
    for route in &table {
        let (method, path) = route;
        match (documented.contains(route), outside.contains(route)) {
            (true, true) => panic!("{method} {path} is documented and in NOT_IN_API"),
            (false, false) => panic!(
                "{method} {path} is neither in /api/openapi.json (a #[utoipa::path] on its \
                 handler, listed in routes::openapi::ApiDoc) nor in routes::NOT_IN_API"
            ),
            _ => {}
        }
    }
    for (method, path) in documented.union(&outside) {
        assert!(
            table.contains(&(method.clone(), path.clone())),
            "{method} {path} is documented or listed but not in the route table"
        );
    }
}
