//! What a person does on the app's pages, as one call each: register, log
//! in, log out, and what they should see afterwards.

use serde_json::json;

use super::Browser;

impl Browser {
    /// Registers through the form and waits for the dashboard.
    pub async fn register(&self, username: &str, password: &str) {
        self.goto("/register").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.fill("#password_confirm", password).await;
        self.click_and_wait("form[action='/register'] button[type=submit]")
            .await;
        self.expect_dashboard(username).await;
    }

    /// Fills in the login form on the current page and submits it.
    pub async fn submit_login(&self, username: &str, password: &str) {
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click_and_wait("form[action='/login'] button[type=submit]")
            .await;
    }

    /// Logs out with the button in the navigation bar; waits for the login page.
    pub async fn logout(&self) {
        self.click_and_wait("nav form.nav-form[action='/logout'] button")
            .await;
        self.expect_login_page().await;
    }

    /// Asserts the dashboard of `username` is shown.
    pub async fn expect_dashboard(&self, username: &str) {
        let heading = self.wait_for_text("h1", "Welcome to the dashboard").await;
        assert_eq!(heading, format!("Welcome to the dashboard, {username}"));
        assert_eq!(self.path().await, "/dashboard");
    }

    /// Asserts the login page is shown.
    pub async fn expect_login_page(&self) {
        self.wait_for("form[action='/login']").await;
        assert_eq!(self.text("h1").await, "Log in");
        assert!(self.path().await.starts_with("/login"), "on the login page");
    }

    /// Creates an account without the browser (JSON, as a script would).
    pub async fn create_user(&self, username: &str, password: &str) {
        let response = reqwest::Client::new()
            .post(self.url("/register"))
            .json(&json!({
                "username": username,
                "password": password,
                "password_confirm": password,
            }))
            .send()
            .await
            .expect("POST /register");
        assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    }
}
