//! Reading and asserting responses: redirects, session cookies, bodies,
//! headers and form inputs.

use reqwest::{Response, StatusCode};

/// Asserts a 303 to `location`.
#[track_caller]
pub fn assert_redirect(response: &Response, location: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected 303 to {location}"
    );
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some(location),
        "redirect target"
    );
}

/// The `Set-Cookie` headers of `response` for cookie `name`.
pub fn set_cookies<'a>(response: &'a Response, name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with(&prefix))
        .collect()
}

/// Asserts the response sets a (non-empty) session cookie with the attributes of docs/contract.md, "Sessions and security".
#[track_caller]
pub fn assert_session_cookie(response: &Response) {
    let cookies = set_cookies(response, "session");
    assert_eq!(
        cookies.len(),
        1,
        "exactly one session Set-Cookie: {cookies:?}"
    );
    let cookie = cookies[0];
    assert!(
        !cookie.starts_with("session=;"),
        "a session cookie, not a removal: {cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "no Domain attribute: {cookie}");
}

/// Asserts the response removes the session cookie.
#[track_caller]
pub fn assert_session_cleared(response: &Response) {
    let cookies = set_cookies(response, "session");
    assert_eq!(
        cookies.len(),
        1,
        "exactly one session Set-Cookie (curl ignores a removal followed by a set): {cookies:?}"
    );
    assert!(
        cookies[0].starts_with("session=;") && cookies[0].contains("Max-Age=0"),
        "a removal cookie: {}",
        cookies[0]
    );
}

/// The body of `response` as text.
pub async fn body_text(response: Response) -> String {
    response.text().await.expect("response body")
}

/// The value of header `name`, when present and readable.
pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// What a form in `html` would send for its input named `name` (entities
/// decoded): `Some("")` for an input without a value, `None` without such an input.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    html.match_indices("<input").find_map(|(start, _)| {
        let tag = &html[start..start + html[start..].find('>')?];
        tag.contains(&needle).then(|| {
            tag.split_once(" value=\"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map_or_else(String::new, |(value, _)| unescape_html(value))
        })
    })
}

/// Decodes the entities Tera's HTML escaping produces.
pub fn unescape_html(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `name=value` pair a response sets for cookie `name` (to send it as a
/// `Cookie` header), if it sets one.
pub fn set_cookie_pair(response: &Response, name: &str) -> Option<String> {
    set_cookies(response, name)
        .first()
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}
