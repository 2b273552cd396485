//! A bounded, seeded fuzz loop over every POST route (and the guarded GETs):
//! random bodies, content types, `Accept` headers and cookies must never
//! get a 5xx. The seed is fixed, so a failure repeats.

use reqwest::{Client, redirect};
use serde_json::{Value, json};

use crate::helpers::*;

crate::stories!(random_requests_never_get_a_server_error);

const ITERATIONS: usize = 200;
const SEED: u64 = 0x5e55_10a7_u64;
const POST_ROUTES: &[&str] = &[
    "/login",
    "/register",
    "/logout",
    "/password/forgot",
    "/password/reset",
    "/account/email",
    "/account/email/resend",
    "/login/2fa",
    "/account/confirm",
    "/account/2fa/setup",
    "/account/2fa/confirm",
    "/account/2fa/disable",
    "/account/2fa/recovery-codes",
    "/account/sessions/x/logout",
    "/account/logout-others?next=%2F%2Fevil",
];
const GET_ROUTES: &[&str] = &[
    "/",
    "/login",
    "/register",
    "/dashboard",
    "/api/me",
    "/logout",
    "/password/forgot",
    "/password/reset",
    "/password/reset?token=",
    "/email/verify",
    "/email/verify?token=%00",
    "/login/2fa",
    "/account/2fa",
    "/account/confirm?next=%2F%2Fevil",
    "/account/sessions",
    "/account/activity",
    "/api/sessions",
];
const CONTENT_TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin1",
    "application/json",
    "application/json; charset=utf-8",
    "application/problem+json",
    "text/plain",
    "text/html",
    "multipart/form-data; boundary=----x",
    "application/octet-stream",
    "",
    "json",
    "application/json; ;; =",
    "*/*",
];
const ACCEPTS: &[&str] = &[
    "*/*",
    BROWSER_ACCEPT,
    "application/json",
    "text/plain",
    "",
    "text/html;q=0, */*;q=0.1",
];
const FIELDS: &[&str] = &[
    "username",
    "password",
    "password_confirm",
    "next",
    "remember",
    "login",
    "email",
    "token",
    "new_password",
    "current_password",
    "code",
    "recovery_code",
    "x",
    "",
];
const COOKIE_CHARS: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=%-_.";

/// xorshift64*: small, deterministic, no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// Mostly printable text with the odd control, escape or non-ASCII character.
    fn text(&mut self, max: usize) -> String {
        let len = self.below(max + 1);
        (0..len)
            .map(|_| match self.below(20) {
                0 => char::from_u32(self.below(0x3000) as u32).unwrap_or('?'),
                1 => *self.pick(&['%', '&', '=', '+', '\\', '/', '"', '\0', '\n', '語']),
                _ => (b' ' + self.below(95) as u8) as char,
            })
            .collect()
    }

    fn json_value(&mut self, depth: usize) -> Value {
        match self.below(if depth > 2 { 5 } else { 7 }) {
            0 => Value::Null,
            1 => json!(self.below(2) == 0),
            2 => json!(self.next() as i64),
            3 | 4 => json!(self.text(80)),
            5 => Value::Array(
                (0..self.below(4))
                    .map(|_| self.json_value(depth + 1))
                    .collect(),
            ),
            _ => Value::Object(
                (0..self.below(5))
                    .map(|_| (self.pick(FIELDS).to_string(), self.json_value(depth + 1)))
                    .collect(),
            ),
        }
    }

    /// A random body and the content type that would fit it.
    fn body(&mut self) -> (Vec<u8>, &'static str) {
        const FORM: &str = "application/x-www-form-urlencoded";
        const JSON: &str = "application/json";
        let len = self.below(512);
        match self.below(6) {
            0 => (self.bytes(len), FORM),
            1 => (self.json_value(0).to_string().into_bytes(), JSON),
            2 => {
                let fields: Vec<(String, String)> = (0..self.below(6))
                    .map(|_| (self.pick(FIELDS).to_string(), self.text(90)))
                    .collect();
                (
                    serde_urlencoded::to_string(fields).unwrap().into_bytes(),
                    FORM,
                )
            }
            3 => {
                let pairs: Vec<String> = (0..self.below(6))
                    .map(|_| format!("{}={}", self.pick(FIELDS), self.text(40)))
                    .collect();
                (pairs.join("&").into_bytes(), FORM)
            }
            // Around the 16 KiB limit.
            4 => (self.bytes(16 * 1024 - 256 + len), FORM),
            _ => {
                let body = json!({ "username": self.text(40), "password": self.text(80), "remember": self.json_value(2) });
                (body.to_string().into_bytes(), JSON)
            }
        }
    }

    fn cookie(&mut self, real: &str) -> Option<String> {
        match self.below(5) {
            0 => None,
            1 => Some(format!("session={real}")),
            2 => {
                let mut value = real.as_bytes().to_vec();
                let at = self.below(value.len());
                value[at] = *self.pick(COOKIE_CHARS);
                Some(format!("session={}", String::from_utf8_lossy(&value)))
            }
            _ => {
                let len = self.below(300);
                let value: String = (0..len).map(|_| *self.pick(COOKIE_CHARS) as char).collect();
                Some(format!("session={value}"))
            }
        }
    }
}

async fn random_requests_never_get_a_server_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("fuzzer").await;
    let real = app.cookie("session").expect("a session cookie");
    let client = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let mut rng = Rng(SEED);
    let mut failures = Vec::new();

    for iteration in 0..ITERATIONS {
        let cookie = rng.cookie(&real);
        let accept = *rng.pick(ACCEPTS);
        for path in POST_ROUTES {
            let (body, fitting) = rng.body();
            let content_type = if rng.below(2) == 0 {
                fitting
            } else {
                *rng.pick(CONTENT_TYPES)
            };
            let mut request = client
                .post(app.url(path))
                .header("content-type", content_type)
                .header("accept", accept)
                .body(body);
            if let Some(cookie) = &cookie {
                request = request.header("cookie", cookie);
            }
            let status = request.send().await.expect("an answer").status();
            if status.is_server_error() {
                failures.push(format!("#{iteration} POST {path} type={content_type:?} accept={accept:?} cookie={cookie:?}: {status}"));
            }
        }
        let path = *rng.pick(GET_ROUTES);
        let next = rng.text(60);
        let mut request = client
            .get(app.url(path))
            .query(&[("next", next.as_str())])
            .header("accept", accept);
        if let Some(cookie) = &cookie {
            request = request.header("cookie", cookie);
        }
        let status = request.send().await.expect("an answer").status();
        if status.is_server_error() {
            failures.push(format!("#{iteration} GET {path}?next={next:?} accept={accept:?} cookie={cookie:?}: {status}"));
        }
    }
    assert!(
        failures.is_empty(),
        "server errors:\n{}",
        failures.join("\n")
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        reqwest::StatusCode::OK,
        "still serving"
    );
}
