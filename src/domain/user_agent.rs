//! A readable label for a `User-Agent` header: "Firefox on Linux".
//!
//! Only what a person needs to tell their own devices apart: the browser
//! family and the operating system, never a version. The order of the
//! checks matters, since most browsers also name the ones they descend
//! from (Edge says Chrome and Safari, Chrome says Safari).

/// The longest `User-Agent` kept in a session record.
pub const MAX_USER_AGENT_CHARS: usize = 512;

/// "Browser on System", "Browser", "curl" or "Unknown device".
pub fn label(user_agent: &str) -> String {
    let browser = browser(user_agent);
    match (browser, system(user_agent)) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => "Unknown device".to_owned(),
    }
}

/// The header as kept: control characters dropped, cut to [`MAX_USER_AGENT_CHARS`].
pub fn keep(user_agent: &str) -> String {
    user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT_CHARS)
        .collect()
}

fn browser(ua: &str) -> Option<&'static str> {
    let has = |needle: &str| ua.contains(needle);
    let tools = [
        ("curl/", "curl"),
        ("Wget/", "Wget"),
        ("python-requests/", "Python requests"),
        ("HTTPie/", "HTTPie"),
        ("PostmanRuntime/", "Postman"),
    ];
    if let Some((_, name)) = tools.iter().find(|(prefix, _)| ua.starts_with(prefix)) {
        return Some(name);
    }
    let browsers = [
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("Vivaldi/", "Vivaldi"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("HeadlessChrome/", "Headless Chrome"),
        ("CriOS/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ];
    browsers
        .iter()
        .find(|(needle, _)| has(needle))
        .map(|(_, name)| *name)
}

fn system(ua: &str) -> Option<&'static str> {
    let systems = [
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
        ("FreeBSD", "FreeBSD"),
    ];
    systems
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_get_their_family_and_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome on Windows",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
                "Headless Chrome on Linux",
            ),
            ("curl/8.5.0", "curl"),
            ("", "Unknown device"),
            ("something odd", "Unknown device"),
        ];
        for (ua, expected) in cases {
            assert_eq!(label(ua), expected, "{ua}");
        }
    }

    #[test]
    fn kept_headers_are_short_and_printable() {
        let long = "a\u{7}".repeat(2_000);
        let kept = keep(&long);
        assert_eq!(kept.chars().count(), MAX_USER_AGENT_CHARS);
        assert!(!kept.contains('\u{7}'));
    }
}
