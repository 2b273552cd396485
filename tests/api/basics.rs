//! The happy path a person walks through first.

use reqwest::StatusCode;

use crate::helpers::*;

crate::stories!(register_then_dashboard_then_logout);

async fn register_then_dashboard_then_logout(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let response = app.register("alice").await;
    assert_redirect(&response, "/dashboard");
    assert_session_cookie(&response);

    let response = app.get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Welcome to the dashboard, alice")
    );

    let response = app.logout().await;
    assert_redirect(&response, "/login");
    assert_session_cleared(&response);
    assert_eq!(app.whoami().await, None);
}
