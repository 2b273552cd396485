//! The translations are complete: every id in every language, and every id
//! the code and the templates use.

use std::collections::BTreeSet;
use std::path::Path;

use super::catalog::ids;
use super::*;

fn ids_of(lang: Lang) -> BTreeSet<String> {
    let list = ids(lang);
    let set: BTreeSet<String> = list.iter().cloned().collect();
    assert_eq!(
        set.len(),
        list.len(),
        "an id is defined twice in {}",
        lang.code()
    );
    set
}

#[test]
fn every_language_has_every_message() {
    check().unwrap();
    let english = ids_of(Lang::En);
    assert!(english.len() > 50, "the English catalog looks empty");
    for lang in Lang::ALL {
        let theirs = ids_of(lang);
        let missing: Vec<_> = english.difference(&theirs).collect();
        let extra: Vec<_> = theirs.difference(&english).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
        assert!(
            extra.is_empty(),
            "{} has ids English lacks: {extra:?}",
            lang.code()
        );
    }
}

/// The string literals that follow `marker` in the files under `dir`.
fn uses(dir: &Path, marker: &str, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            uses(&path, marker, found);
            continue;
        }
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (at, _) in source.match_indices(marker) {
            let rest = &source[at + marker.len()..];
            if let Some(end) = rest.find('"') {
                found.insert(rest[..end].to_owned());
            }
        }
    }
}

#[test]
fn every_message_the_code_and_templates_use_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = BTreeSet::new();
    uses(&root.join("templates"), "t(k=\"", &mut used);
    uses(&root.join("src"), "Text::new(\"", &mut used);
    assert!(used.len() > 20, "the scan found almost nothing: {used:?}");
    let defined = ids_of(Lang::En);
    let unknown: Vec<_> = used.iter().filter(|id| !defined.contains(*id)).collect();
    assert!(unknown.is_empty(), "used but not translated: {unknown:?}");
}

#[test]
fn messages_take_their_arguments_in_each_language() {
    let text = Text::new("error-throttled").with("seconds", 30);
    assert_eq!(
        text.to_string(),
        "Too many attempts; try again in 30 seconds"
    );
    let korean = text.in_lang(Lang::Ko);
    assert!(korean.contains("30") && korean.contains("초"), "{korean}");
}

#[test]
fn an_unknown_id_shows_itself_rather_than_nothing() {
    assert_eq!(
        Text::new(concat!("no-such-", "message")).in_lang(Lang::Ko),
        "no-such-message"
    );
}
