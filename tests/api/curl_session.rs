//! The README's curl session, run as written against the real binary: each
//! `# → …` line must be what the command before it prints.

use std::process::Command;

use crate::process::*;
use crate::support::required;

const README_ADDRESS: &str = "http://127.0.0.1:8080";
const MARK: &str = "@@expected-output-ends-here@@";

/// The README's shell block `name` with `B=` pointed at `address`, each
/// expectation replaced by a marker echo, and each line starting with a
/// `pasted` prefix (`LINK=`) replaced by its command; and the
/// expectations, in order.
fn script_and_expectations(
    readme: &str,
    name: &str,
    address: &str,
    pasted: &[(&str, String)],
) -> (String, Vec<String>) {
    let (_, rest) = readme
        .split_once(&format!("<!-- {name}:start -->"))
        .unwrap_or_else(|| panic!("README has the {name} start marker"));
    let (block, _) = rest
        .split_once(&format!("<!-- {name}:end -->"))
        .unwrap_or_else(|| panic!("README has the {name} end marker"));
    let mut script = String::new();
    let mut expectations = Vec::new();
    let mut saw_base = false;
    for line in block.lines().filter(|l| !l.trim_start().starts_with("```")) {
        if let Some(expected) = line.trim_start().strip_prefix("# →") {
            expectations.push(expected.trim().replace(README_ADDRESS, address));
            script.push_str(&format!("printf '\\n%s\\n' '{MARK}'\n"));
        } else if let Some((_, command)) = pasted.iter().find(|(p, _)| line.starts_with(p)) {
            script.push_str(command);
            script.push('\n');
        } else if line.trim() == format!("B={README_ADDRESS}") {
            saw_base = true;
            script.push_str(&format!("B={address}\n"));
        } else {
            script.push_str(line);
            script.push('\n');
        }
    }
    assert!(saw_base, "the session should start with B={README_ADDRESS}");
    assert!(
        !expectations.is_empty(),
        "the session has no `# → expected` lines"
    );
    (script, expectations)
}

fn curl_installed() -> bool {
    Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_readme_curl_session_works_as_written() {
    run_readme_block("curl-session", &[]);
}

/// The forgot-password session: the links the server prints
/// (`MAIL_TRANSPORT=log`) are taken from its output where the README says
/// to paste them.
#[test]
fn the_readme_reset_session_works_as_written() {
    let wait_for = |what: &str| {
        format!(
            "for _ in $(seq 100); do grep -q '{what}' \"$SERVER_LOG\" && break; sleep 0.1; done; \
             grep -o 'http://localhost:[0-9]*/{what}[A-Za-z0-9_-]*' \"$SERVER_LOG\" | tail -n 1"
        )
    };
    let link = format!("LINK=$({})", wait_for("email/verify?token="));
    let token = format!(
        "TOKEN=$({} | sed 's/.*token=//')",
        wait_for("password/reset?token=")
    );
    run_readme_block("curl-reset", &[("LINK=", link), ("TOKEN=", token)]);
}

fn run_readme_block(name: &str, pasted: &[(&str, String)]) {
    if required(
        curl_installed().then_some(()),
        "curl session",
        "curl is not installed",
        "install curl to run the README's curl session",
    )
    .is_none()
    {
        return;
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_in(dir.path());
    let server = Service::serve(dir.path(), &[("DATABASE_URL", &database)]);

    let (script, expectations) = script_and_expectations(&readme, name, &server.address, pasted);
    let script_path = dir.path().join("session.sh");
    std::fs::write(&script_path, &script).unwrap();
    let mut bash = clean_command("bash", dir.path());
    // mktemp and curl's ~/.curlrc stay inside the temporary directory.
    bash.arg("-eu")
        .arg(&script_path)
        .env("TMPDIR", dir.path())
        .env("HOME", dir.path())
        .env("SERVER_LOG", &server.log_path);
    let out = run(bash, "");
    assert!(
        out.status.success(),
        "the session failed:\n{script}\n{out:#?}\n{}",
        server.log()
    );

    let outputs: Vec<&str> = out.stdout.split(MARK).map(str::trim).collect();
    assert_eq!(
        outputs.len(),
        expectations.len() + 1,
        "one output per expectation:\n{}",
        out.stdout
    );
    for (i, (expected, actual)) in expectations.iter().zip(&outputs).enumerate() {
        assert_eq!(
            actual,
            expected,
            "expectation {} of the README's {name}",
            i + 1
        );
    }
    assert_eq!(
        outputs[expectations.len()],
        "",
        "output after the last expectation"
    );
}
