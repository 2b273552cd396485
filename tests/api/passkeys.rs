//! Passkeys (docs/contract.md, "Second factors"): the ceremonies' shapes,
//! a software authenticator (ES256, "none" attestation) that adds a passkey
//! and logs in with it, single-use ceremonies, the sign counter, another
//! account's passkey, and the recent-login rule. The browser story with
//! Chromium's virtual authenticator is in tests/browser.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use session_auth::config::PublicUrl;
use session_auth::startup::Application;

use crate::helpers::mail::MailApp;
use crate::helpers::*;

crate::stories!(
    the_ceremonies_start_with_the_options_a_browser_needs,
    a_software_passkey_is_added_and_logs_in_without_a_password,
    a_ceremony_works_once,
    a_sign_counter_that_goes_backwards_is_refused,
    garbage_answers_are_client_errors,
    only_the_owner_removes_a_passkey,
    adding_or_removing_a_passkey_needs_a_recent_login,
    passkey_sign_ins_count_toward_the_address_limit,
    passkeys_are_off_while_the_public_url_is_an_ip_address,
    a_passkey_of_the_account_confirms_it_is_you,
);

/// A minimal CBOR encoder: what an attestation object and a COSE key need.
enum Cbor {
    Int(i64),
    Bytes(Vec<u8>),
    Text(&'static str),
    Map(Vec<(Cbor, Cbor)>),
}

impl Cbor {
    fn head(out: &mut Vec<u8>, major: u8, n: u64) {
        let m = major << 5;
        match n {
            0..=23 => out.push(m | n as u8),
            24..=0xff => out.extend([m | 24, n as u8]),
            0x100..=0xffff => {
                out.push(m | 25);
                out.extend((n as u16).to_be_bytes());
            }
            _ => {
                out.push(m | 26);
                out.extend((n as u32).to_be_bytes());
            }
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Int(i) if *i >= 0 => Self::head(out, 0, *i as u64),
            Self::Int(i) => Self::head(out, 1, (-1 - *i) as u64),
            Self::Bytes(b) => {
                Self::head(out, 2, b.len() as u64);
                out.extend(b);
            }
            Self::Text(t) => {
                Self::head(out, 3, t.len() as u64);
                out.extend(t.as_bytes());
            }
            Self::Map(pairs) => {
                Self::head(out, 5, pairs.len() as u64);
                for (k, v) in pairs {
                    k.encode(out);
                    v.encode(out);
                }
            }
        }
    }

    fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// A platform authenticator in software: one ES256 key, a discoverable
/// credential, user verification always done.
pub(crate) struct SoftKey {
    key: SigningKey,
    credential_id: Vec<u8>,
    user_handle: Option<Vec<u8>>,
    counter: u32,
    origin: String,
}

/// UP (user present) | UV (user verified).
const PRESENT_AND_VERIFIED: u8 = 0x01 | 0x04;
/// … | AT (attested credential data follows).
const WITH_CREDENTIAL: u8 = PRESENT_AND_VERIFIED | 0x40;

impl SoftKey {
    fn new(origin: &str) -> Self {
        let secret: [u8; 32] = rand::random();
        Self {
            key: SigningKey::from_slice(&secret).unwrap(),
            credential_id: rand::random::<[u8; 16]>().to_vec(),
            user_handle: None,
            counter: 0,
            origin: origin.to_owned(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    fn auth_data(&self, rp_id: &str, flags: u8) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(self.counter.to_be_bytes());
        data
    }

    /// The answer to creation `options` (`{"publicKey": …}`).
    fn create(&mut self, options: &Value) -> Value {
        let pk = &options["publicKey"];
        let rp_id = pk["rp"]["id"].as_str().unwrap();
        self.user_handle = Some(B64.decode(pk["user"]["id"].as_str().unwrap()).unwrap());
        let client_data = self.client_data("webauthn.create", pk["challenge"].as_str().unwrap());
        self.counter += 1;
        let point = self.key.verifying_key().to_sec1_point(false);
        let xy = &point.as_bytes()[1..];
        let cose = Cbor::Map(vec![
            (Cbor::Int(1), Cbor::Int(2)),
            (Cbor::Int(3), Cbor::Int(-7)),
            (Cbor::Int(-1), Cbor::Int(1)),
            (Cbor::Int(-2), Cbor::Bytes(xy[..32].to_vec())),
            (Cbor::Int(-3), Cbor::Bytes(xy[32..].to_vec())),
        ]);
        let mut auth_data = self.auth_data(rp_id, WITH_CREDENTIAL);
        auth_data.extend([0u8; 16]); // AAGUID
        auth_data.extend((self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&self.credential_id);
        auth_data.extend(cose.to_vec());
        let attestation = Cbor::Map(vec![
            (Cbor::Text("fmt"), Cbor::Text("none")),
            (Cbor::Text("attStmt"), Cbor::Map(vec![])),
            (Cbor::Text("authData"), Cbor::Bytes(auth_data)),
        ]);
        json!({
            "id": B64.encode(&self.credential_id),
            "rawId": B64.encode(&self.credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": B64.encode(attestation.to_vec()),
                "clientDataJSON": B64.encode(client_data),
                "transports": ["internal"],
            },
            "extensions": {},
        })
    }

    /// The answer to request `options`, the counter moved on by `step`.
    fn get(&mut self, options: &Value, step: i64) -> Value {
        let pk = &options["publicKey"];
        let rp_id = pk["rpId"].as_str().unwrap();
        let client_data = self.client_data("webauthn.get", pk["challenge"].as_str().unwrap());
        self.counter = u32::try_from(i64::from(self.counter) + step).unwrap();
        let auth_data = self.auth_data(rp_id, PRESENT_AND_VERIFIED);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);
        json!({
            "id": B64.encode(&self.credential_id),
            "rawId": B64.encode(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": B64.encode(auth_data),
                "clientDataJSON": B64.encode(client_data),
                "signature": B64.encode(signature.to_der().as_bytes()),
                "userHandle": self.user_handle.as_ref().map(|h| B64.encode(h)),
            },
            "extensions": {},
        })
    }
}

/// `{"ceremony","options"}` from a start endpoint (200 expected).
async fn start(client: &TestClient, path: &str, body: &Value) -> (String, Value) {
    let response = client.post_json(path, body).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let body: Value = response.json().await.unwrap();
    (
        body["ceremony"].as_str().unwrap().to_owned(),
        body["options"].clone(),
    )
}

/// Adds a passkey named `name` made by `key` to `client`'s account.
async fn add(client: &TestClient, key: &mut SoftKey, name: &str) -> reqwest::Response {
    let (ceremony, options) = start(
        client,
        "/account/passkeys/register/start",
        &json!({ "name": name }),
    )
    .await;
    let credential = key.create(&options);
    client
        .post_json(
            "/account/passkeys/register/finish",
            &json!({ "ceremony": ceremony, "credential": credential }),
        )
        .await
}

/// A passkey login by `client` with `key`, its counter moved by `step`.
pub(crate) async fn sign_in(
    client: &TestClient,
    key: &mut SoftKey,
    step: i64,
) -> reqwest::Response {
    let (ceremony, options) = start(client, "/login/passkey/start", &json!({})).await;
    let credential = key.get(&options, step);
    client
        .post_json(
            "/login/passkey/finish",
            &json!({ "ceremony": ceremony, "credential": credential }),
        )
        .await
}

/// The account's passkeys, as JSON.
async fn passkeys_of(client: &TestClient) -> Value {
    let response = client.get_json("/account/passkeys").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// An app where ann is logged in with one passkey ("Laptop") from the key returned.
pub(crate) async fn ann_with_a_passkey(backend: Backend) -> (TestApp, SoftKey) {
    let app = TestApp::spawn(backend).await;
    app.register("ann").await;
    let mut key = SoftKey::new(&origin(&app));
    let added = add(&app, &mut key, "Laptop").await;
    assert_eq!(added.status(), StatusCode::CREATED);
    (app, key)
}

fn origin(app: &TestApp) -> String {
    format!("http://localhost:{}", app.port)
}

async fn the_ceremonies_start_with_the_options_a_browser_needs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("ann").await;

    let (ceremony, options) = start(
        &app,
        "/account/passkeys/register/start",
        &json!({ "name": "Laptop" }),
    )
    .await;
    assert_eq!(B64.decode(&ceremony).unwrap().len(), 32, "{ceremony}");
    let pk = &options["publicKey"];
    assert_eq!(pk["rp"]["id"], "localhost");
    assert_eq!(pk["user"]["name"], "ann");
    assert!(B64.decode(pk["challenge"].as_str().unwrap()).is_ok());
    let selection = &pk["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{selection}");
    assert_eq!(selection["requireResidentKey"], true);
    assert_ne!(selection["userVerification"], "discouraged");

    let anonymous = app.new_client();
    let (other, options) = start(&anonymous, "/login/passkey/start", &json!({})).await;
    assert_ne!(other, ceremony);
    let pk = &options["publicKey"];
    assert_eq!(pk["rpId"], "localhost");
    let allowed = &pk["allowCredentials"];
    assert!(
        allowed.is_null() || allowed.as_array().is_some_and(Vec::is_empty),
        "discoverable: no credential named, {allowed}"
    );
    assert!(options.get("mediation").is_none(), "{options}");

    // A name is required, and so is a login.
    let nameless = app
        .post_json("/account/passkeys/register/start", &json!({ "name": " " }))
        .await;
    assert_eq!(nameless.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = nameless.json().await.unwrap();
    assert!(body["errors"]["name"].is_array(), "{body}");
    let response = anonymous
        .post_json("/account/passkeys/register/start", &json!({ "name": "x" }))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let list = passkeys_of(&app).await;
    assert_eq!(list, json!([]));
}

async fn a_software_passkey_is_added_and_logs_in_without_a_password(backend: Backend) {
    let app = MailApp::spawn(backend).await;
    let ann = app.new_client();
    app.register_verified(&ann, "ann", "ann@example.com").await;
    let mut key = SoftKey::new(&origin(&app));

    let added = add(&ann, &mut key, "Laptop").await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let body: Value = added.json().await.unwrap();
    assert_eq!(body["name"], "Laptop");
    let notice = app.mail_to("ann@example.com").await;
    assert_eq!(notice.subject, "A passkey was added");
    assert!(notice.text.contains("Laptop"), "{}", notice.text);

    let list = passkeys_of(&ann).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["name"], "Laptop");
    assert!(list[0]["created_at"].is_string());
    assert!(list[0]["last_used_at"].is_null());
    let page = body_text(ann.get_html("/account/passkeys").await).await;
    assert!(
        page.contains("Laptop") && page.contains("Add a passkey"),
        "{page}"
    );
    assert!(
        page.contains(r#"<script src="/static/js/passkeys.js?v="#) && !page.contains("<script>"),
        "the script is a static file: {page}"
    );

    // With TOTP on, a passkey login still has no second step.
    crate::two_factor::turn_on(&ann).await;
    let _notice = app.mail_to("ann@example.com").await;
    let stranger = app.new_client();
    let response = sign_in(&stranger, &mut key, 1).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_session_cookie(&response);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "ann");
    assert_eq!(body["redirect"], "/dashboard");
    assert_eq!(stranger.whoami().await.as_deref(), Some("ann"));

    let list = passkeys_of(&ann).await;
    assert!(list[0]["last_used_at"].is_string(), "{list}");
    let me: Value = stranger.get_json("/account").await.json().await.unwrap();
    assert!(
        me["last_login_at"].is_string(),
        "the login is recorded: {me}"
    );
    let sessions: Vec<Value> = stranger.get("/api/sessions").await.json().await.unwrap();
    let this = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(this["method"], "passkey", "{sessions:#?}");

    // The same authenticator again is refused (excluded, then unique).
    let again = add(&ann, &mut key, "Laptop again").await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_ceremony_works_once(backend: Backend) {
    let (app, mut key) = ann_with_a_passkey(backend).await;

    let stranger = app.new_client();
    let (ceremony, options) = start(&stranger, "/login/passkey/start", &json!({})).await;
    let credential = key.get(&options, 1);
    let body = json!({ "ceremony": ceremony, "credential": credential });
    let first = stranger.post_json("/login/passkey/finish", &body).await;
    assert_eq!(first.status(), StatusCode::OK);
    let replay = app
        .new_client()
        .post_json("/login/passkey/finish", &body)
        .await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    let error: Value = replay.json().await.unwrap();
    assert_eq!(error["error"], "passkey_failed");

    // A registration ceremony: also once, and only for its own account.
    let mut other = SoftKey::new(&origin(&app));
    let (ceremony, options) = start(
        &app,
        "/account/passkeys/register/start",
        &json!({ "name": "Phone" }),
    )
    .await;
    let credential = other.create(&options);
    let body = json!({ "ceremony": ceremony, "credential": credential });
    let bob = app.new_client();
    bob.register("bob").await;
    let stolen = bob
        .post_json("/account/passkeys/register/finish", &body)
        .await;
    assert_eq!(stolen.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let late = app
        .post_json("/account/passkeys/register/finish", &body)
        .await;
    assert_eq!(
        late.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the ceremony went with the first try"
    );

    // A login ceremony is not a registration one.
    let (ceremony, _) = start(&stranger, "/login/passkey/start", &json!({})).await;
    let mixed = app
        .post_json(
            "/account/passkeys/register/finish",
            &json!({ "ceremony": ceremony, "credential": other.create(&options) }),
        )
        .await;
    assert_eq!(mixed.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_sign_counter_that_goes_backwards_is_refused(backend: Backend) {
    let (app, mut key) = ann_with_a_passkey(backend).await;
    let client = app.new_client();
    assert_eq!(sign_in(&client, &mut key, 5).await.status(), StatusCode::OK);
    // A clone that lags behind, then one that repeats the counter.
    let behind = sign_in(&client, &mut key, -2).await;
    assert_eq!(behind.status(), StatusCode::UNAUTHORIZED);
    let same = sign_in(&client, &mut key, 2).await;
    assert_eq!(
        same.status(),
        StatusCode::UNAUTHORIZED,
        "equal to the stored 6"
    );
    assert_eq!(sign_in(&client, &mut key, 1).await.status(), StatusCode::OK);

    // Another origin's answer is refused too.
    let mut phished = SoftKey {
        origin: "http://evil.localhost:1".into(),
        ..key
    };
    assert_eq!(
        sign_in(&app.new_client(), &mut phished, 1).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn garbage_answers_are_client_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("ann").await;
    let (ceremony, _) = start(&app, "/login/passkey/start", &json!({})).await;
    let (registration, _) = start(
        &app,
        "/account/passkeys/register/start",
        &json!({ "name": "x" }),
    )
    .await;
    let garbage = [
        json!({}),
        json!({ "ceremony": ceremony }),
        json!({ "ceremony": "nope", "credential": {} }),
        json!({ "ceremony": ceremony, "credential": "x" }),
        json!({ "ceremony": registration, "credential": { "id": "a", "rawId": "!!", "type": "public-key", "response": {} } }),
        json!({ "ceremony": 7, "credential": [1, 2] }),
    ];
    for path in ["/login/passkey/finish", "/account/passkeys/register/finish"] {
        for body in &garbage {
            let response = app.post_json(path, body).await;
            let status = response.status();
            assert!(status.is_client_error(), "{path} {body}: {status}");
        }
        let raw = app
            .request(Method::POST, path)
            .header("Content-Type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    let failed = app
        .new_client()
        .post_json("/login/passkey/finish", &garbage[2])
        .await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    let body: Value = failed.json().await.unwrap();
    assert_eq!(body["error"], "passkey_failed");
}

async fn only_the_owner_removes_a_passkey(backend: Backend) {
    let (app, mut key) = ann_with_a_passkey(backend).await;
    let list = passkeys_of(&app).await;
    let id = list[0]["id"].as_i64().unwrap();

    let bob = app.new_client();
    bob.register("bob").await;
    let path = format!("/account/passkeys/{id}/delete");
    assert_eq!(
        bob.post_json(&path, &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    for missing in [
        "/account/passkeys/99999/delete",
        "/account/passkeys/x/delete",
    ] {
        assert_eq!(
            app.post_json(missing, &json!({})).await.status(),
            StatusCode::NOT_FOUND
        );
    }

    let removed = send_html(app.request(Method::POST, &path)).await;
    assert_redirect(&removed, "/account/passkeys");
    let list = passkeys_of(&app).await;
    assert_eq!(list, json!([]));
    // In the history once each, with the passkey's name; none in bob's.
    let kinds = |client: TestClient| async move {
        let body: Value = client
            .get_json("/account/activity")
            .await
            .json()
            .await
            .unwrap();
        body["events"].as_array().unwrap().clone()
    };
    let events = kinds(app.copy()).await;
    let named = |kind: &str| {
        events
            .iter()
            .filter(|e| e["kind"] == kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(named("passkey_added").len(), 1, "{events:#?}");
    assert_eq!(named("passkey_added")[0]["detail"], "Laptop");
    assert_eq!(named("passkey_removed").len(), 1, "{events:#?}");
    assert!(
        !kinds(bob.copy())
            .await
            .iter()
            .any(|e| e["kind"] == "passkey_removed"),
        "bob's 404s changed nothing"
    );
    assert_eq!(
        sign_in(&app.new_client(), &mut key, 1).await.status(),
        StatusCode::UNAUTHORIZED,
        "a removed passkey logs in no more"
    );
}

async fn adding_or_removing_a_passkey_needs_a_recent_login(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.reauth_window = Duration::from_secs(3)).await;
    app.register("ann").await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    for path in [
        "/account/passkeys/register/start",
        "/account/passkeys/register/finish",
        "/account/passkeys/1/delete",
    ] {
        let response = app.post_json(path, &json!({ "name": "x" })).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "reauthentication_required", "{path}");
    }
    let page = send_html(app.request(Method::POST, "/account/passkeys/1/delete")).await;
    assert_redirect(&page, "/account/confirm?next=%2Faccount%2Fpasskeys");
    // Listing is not sensitive.
    assert_eq!(
        app.get_json("/account/passkeys").await.status(),
        StatusCode::OK
    );
}

async fn passkey_sign_ins_count_toward_the_address_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.login_ip_limit = 2).await;
    let client = app.new_client();
    for _ in 0..2 {
        let response = client.post_json("/login/passkey/start", &json!({})).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let limited = client.post_json("/login/passkey/start", &json!({})).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header(&limited, "retry-after").is_some());
    let password = client.login_json("ann", PASSWORD).await;
    assert_eq!(
        password.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "one limit for both ways in"
    );
}

async fn passkeys_are_off_while_the_public_url_is_an_ip_address(backend: Backend) {
    let on_ip = PublicUrl::parse("http://127.0.0.1:9").unwrap();
    let app = TestApp::spawn_with(backend, |s| s.public_url = on_ip).await;
    let login = body_text(app.get_html("/login").await).await;
    assert!(
        !login.contains("passkey") && !login.contains("<script"),
        "no passkey button: {login}"
    );
    let start = app.post_json("/login/passkey/start", &json!({})).await;
    assert_eq!(start.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let finish = app
        .post_json("/login/passkey/finish", &json!({ "ceremony": "x" }))
        .await;
    assert_eq!(finish.status(), StatusCode::UNAUTHORIZED);
    app.register("ann").await;
    let page = body_text(app.get_html("/account/passkeys").await).await;
    assert!(page.contains("Passkeys are off"), "{page}");

    // A relying-party id that is not the origin's host (or above it) stops the start.
    let mut settings = app.settings.clone();
    settings.public_url = PublicUrl::parse("https://login.example.com").unwrap();
    settings.webauthn_rp_id = Some("other.example".into());
    let error = Application::build(settings)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("WEBAUTHN_RP_ID"), "{error}");
}

async fn a_passkey_of_the_account_confirms_it_is_you(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.reauth_window = Duration::from_secs(3)).await;
    app.register("ann").await;
    let mut key = SoftKey::new(&origin(&app));
    assert_eq!(
        add(&app, &mut key, "Laptop").await.status(),
        StatusCode::CREATED
    );
    let bob = app.new_client();
    bob.register("bob").await;
    let mut bobs = SoftKey::new(&origin(&app));
    assert_eq!(
        add(&bob, &mut bobs, "Phone").await.status(),
        StatusCode::CREATED
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;

    let sensitive = json!({ "name": "Another" });
    let path = "/account/passkeys/register/start";
    assert_eq!(
        app.post_json(path, &sensitive).await.status(),
        StatusCode::FORBIDDEN
    );
    let page = body_text(
        app.get_html("/account/confirm?next=%2Faccount%2Fpasskeys")
            .await,
    )
    .await;
    assert!(page.contains("passkey-confirm"), "{page}");

    // Bob's passkey does not confirm ann.
    let (ceremony, options) = start(&app, "/account/confirm/passkey/start", &json!({})).await;
    let answer = json!({ "ceremony": ceremony, "credential": bobs.get(&options, 1) });
    let wrong = app
        .post_json("/account/confirm/passkey/finish", &answer)
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.post_json(path, &sensitive).await.status(),
        StatusCode::FORBIDDEN
    );

    // Ann's does, once per ceremony, for ann's session only.
    let stolen = confirm_with(&app, &bob, &mut key).await;
    assert_eq!(stolen.status(), StatusCode::UNAUTHORIZED);
    let confirmed = confirm_with(&app, &app, &mut key).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let body: Value = confirmed.json().await.unwrap();
    assert_eq!(body["redirect"], "/account/passkeys");
    assert_eq!(
        app.post_json(path, &sensitive).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.whoami().await.as_deref(),
        Some("ann"),
        "the same session"
    );
}

/// A confirmation by `client` with `key`, of a ceremony that `owner` started.
async fn confirm_with(
    owner: &TestClient,
    client: &TestClient,
    key: &mut SoftKey,
) -> reqwest::Response {
    let (ceremony, options) = start(owner, "/account/confirm/passkey/start", &json!({})).await;
    let answer = json!({
        "ceremony": ceremony,
        "credential": key.get(&options, 1),
        "next": "/account/passkeys",
    });
    client
        .post_json("/account/confirm/passkey/finish", &answer)
        .await
}
