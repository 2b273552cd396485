//! A readable label for a `User-Agent` header: "Firefox on Linux".
//!
//! Only what a person needs to tell their own devices apart: the browser
//! family and the operating system, never a version. The order of the
//! checks matters, since most browsers also name the ones they descend
//! from (Edge says Chrome and Safari, Chrome says Safari).
//!
//! The label is stored in English (session records, event details, the
//! command line); pages read it back in their language with [`shown`]. The
//! names of browsers and systems stay as they are in every language.

use crate::i18n::Text;

/// The longest `User-Agent` kept in a session record.
pub const MAX_USER_AGENT_CHARS: usize = 512;

/// Tools that name themselves first, by the prefix of their header.
const TOOLS: [(&str, &str); 5] = [
    ("curl/", "curl"),
    ("Wget/", "Wget"),
    ("python-requests/", "Python requests"),
    ("HTTPie/", "HTTPie"),
    ("PostmanRuntime/", "Postman"),
];

/// Browsers by a token of their header, the most specific first.
const BROWSERS: [(&str, &str); 13] = [
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

/// Operating systems by a token of their header, the most specific first.
const SYSTEMS: [(&str, &str); 9] = [
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

/// "Browser on System", "Browser", "curl" or "Unknown device", in English
/// (as stored).
pub fn label(user_agent: &str) -> String {
    match device(browser(user_agent), system(user_agent)) {
        Ok(text) => text.to_string(),
        Err(name) => name.to_owned(),
    }
}

/// The label of `browser` on `system` as a message, or the bare name
/// (a browser or tool of unknown system) that needs no translation.
fn device<'a>(browser: Option<&'a str>, system: Option<&'a str>) -> Result<Text, &'a str> {
    match (browser, system) {
        (Some(b), Some(s)) => Ok(Text::new("sessions-device-browser-on-system")
            .with("browser", b)
            .with("system", s)),
        (Some(b), None) => Err(b),
        (None, Some(s)) => Ok(Text::new("sessions-device-on-system").with("system", s)),
        (None, None) => Ok(Text::new("sessions-device-unknown")),
    }
}

/// A stored [`label`] in the reader's language; anything else (a label
/// from an older version, a passkey's name) as it is.
pub fn shown(label: &str) -> String {
    readable(label).map_or_else(|| label.to_owned(), |text| text.localized())
}

/// The message a stored English [`label`] was made from, if it was.
fn readable(label: &str) -> Option<Text> {
    let name = |names: &[(&str, &'static str)], wanted: &str| {
        names.iter().map(|(_, n)| *n).find(|n| *n == wanted)
    };
    let (browser, system) = match label.split_once(" on ") {
        Some(("A browser", s)) => (None, Some(name(&SYSTEMS, s)?)),
        Some((b, s)) => {
            let browser = name(&BROWSERS, b).or_else(|| name(&TOOLS, b))?;
            (Some(browser), Some(name(&SYSTEMS, s)?))
        }
        None => (None, None),
    };
    let text = device(browser, system).ok()?;
    // Only what `label` makes, word for word, reads back.
    (text.to_string() == label).then_some(text)
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
    if let Some((_, name)) = TOOLS.iter().find(|(prefix, _)| ua.starts_with(prefix)) {
        return Some(name);
    }
    BROWSERS
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name)
}

fn system(ua: &str) -> Option<&'static str> {
    SYSTEMS
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
    fn stored_labels_read_back_in_each_language_and_others_stay() {
        use crate::i18n::Lang;
        let cases = [
            ("Firefox on Linux", "Linux의 Firefox"),
            ("Python requests on Windows", "Windows의 Python requests"),
            ("A browser on Android", "Android의 브라우저"),
            ("Unknown device", "알 수 없는 기기"),
        ];
        for (stored, korean) in cases {
            let text = readable(stored).unwrap();
            assert_eq!(text.to_string(), stored);
            assert_eq!(text.in_lang(Lang::Ko), korean);
        }
        for other in [
            "curl",
            "Firefox",
            "Laptop on my desk",
            "Firefox on Mars",
            "",
        ] {
            assert_eq!(readable(other), None, "{other}");
            assert_eq!(shown(other), other);
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
