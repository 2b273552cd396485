//! Reading `Dockerfile` and `docker-compose.yml` as Docker would, as far as
//! the deployment tests need: the stages and their instructions, and the
//! `environment:` map of one compose service. No YAML crate: the compose
//! file is read line by line, and anything this reader does not understand
//! in the parts it reads fails the test rather than being guessed.

use std::time::Duration;

/// The repository's file `name`.
pub fn repository_file(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// One Dockerfile instruction: its keyword (upper case) and the rest.
#[derive(Debug, Clone)]
pub struct Instruction {
    pub keyword: String,
    pub args: String,
}

/// One build stage: `FROM image [AS name]` and what follows it.
#[derive(Debug)]
pub struct Stage {
    pub image: String,
    pub name: Option<String>,
    pub instructions: Vec<Instruction>,
}

impl Stage {
    /// The arguments of every `keyword` instruction, in order.
    pub fn all(&self, keyword: &str) -> Vec<&str> {
        self.instructions
            .iter()
            .filter(|i| i.keyword == keyword)
            .map(|i| i.args.as_str())
            .collect()
    }

    /// The arguments of the last `keyword` instruction (the one that counts).
    pub fn last(&self, keyword: &str) -> Option<&str> {
        self.all(keyword).pop()
    }

    /// Every `ENV` pair, later ones overriding earlier ones.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = Vec::new();
        for args in self.all("ENV") {
            for pair in args.split_whitespace() {
                let (key, value) = pair
                    .split_once('=')
                    .unwrap_or_else(|| panic!("ENV {args:?}: use the KEY=value form"));
                env.retain(|(k, _)| k != key);
                env.push((key.to_owned(), value.trim_matches('"').to_owned()));
            }
        }
        env
    }
}

/// The Dockerfile's stages (continuation lines joined, comments dropped).
/// A `FROM ${NAME}` names the image that the global `ARG NAME=default` gives
/// when no build argument overrides it (what `docker build .` uses).
pub fn dockerfile_stages(text: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    let mut global_args: Vec<(String, String)> = Vec::new();
    for instruction in instructions(text) {
        if instruction.keyword == "ARG" && stages.is_empty() {
            if let Some((name, default)) = instruction.args.split_once('=') {
                global_args.push((name.to_owned(), default.trim_matches('"').to_owned()));
            }
        } else if instruction.keyword == "FROM" {
            let words: Vec<&str> = instruction.args.split_whitespace().collect();
            let image = words
                .iter()
                .find(|w| !w.starts_with("--"))
                .expect("FROM names an image");
            let image = match image.strip_prefix("${").and_then(|i| i.strip_suffix('}')) {
                Some(arg) => global_args
                    .iter()
                    .find(|(name, _)| name == arg)
                    .map(|(_, default)| default.as_str())
                    .unwrap_or_else(|| panic!("FROM {image}: no global `ARG {arg}=default`")),
                None => image,
            };
            let name = words
                .iter()
                .position(|w| w.eq_ignore_ascii_case("AS"))
                .and_then(|i| words.get(i + 1));
            stages.push(Stage {
                image: (*image).to_owned(),
                name: name.map(|n| (*n).to_owned()),
                instructions: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(instruction);
        }
    }
    stages
}

fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut logical = String::new();
    for line in text.lines() {
        let line = line.trim();
        // Comment lines may sit inside a continued instruction; Docker drops them.
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(continued) = line.strip_suffix('\\') {
            logical.push_str(continued.trim_end());
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let (keyword, args) = logical
            .split_once(char::is_whitespace)
            .unwrap_or((&logical, ""));
        out.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_owned(),
        });
        logical.clear();
    }
    out
}

/// `["a", "b"]` (exec form) → `["a", "b"]`.
pub fn exec_form(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("{args:?} is not the exec form: {e}"))
}

/// `HEALTHCHECK --timeout=5s … CMD [...]`: the command and its timeout.
pub fn healthcheck(args: &str) -> (Vec<String>, Duration) {
    let (options, command) = args
        .split_once("CMD")
        .unwrap_or_else(|| panic!("HEALTHCHECK {args:?} has no CMD"));
    // Docker's default HEALTHCHECK timeout.
    let mut timeout = Duration::from_secs(30);
    for option in options.split_whitespace() {
        if let Some(value) = option.strip_prefix("--timeout=") {
            timeout = session_auth::config::parse_duration(value)
                .unwrap_or_else(|e| panic!("HEALTHCHECK --timeout={value}: {e}"));
        }
    }
    (exec_form(command.trim()), timeout)
}

/// `COPY [--flag=…]… SRC… DEST`: the flags, the sources, the destination.
pub fn copy_parts(args: &str) -> (Vec<&str>, Vec<&str>, &str) {
    let words: Vec<&str> = args.split_whitespace().collect();
    let (flags, paths): (Vec<&str>, Vec<&str>) = words.iter().partition(|w| w.starts_with("--"));
    let (dest, sources) = paths.split_last().expect("COPY has a destination");
    (flags, sources.to_vec(), dest)
}

/// `services.<service>.environment` of a compose file in the map form, values
/// as written (quotes removed). A key without a value (`BCRYPT_COST:`) is
/// passed through from the caller's environment only when set there, so it
/// is left out.
pub fn compose_environment(text: &str, service: &str) -> Vec<(String, String)> {
    let wanted = ["services", service, "environment"];
    let mut path: Vec<(usize, String)> = Vec::new();
    let mut env = Vec::new();
    for line in text.lines() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        while path.last().is_some_and(|(i, _)| *i >= indent) {
            path.pop();
        }
        let inside = path.iter().map(|(_, k)| k.as_str()).eq(wanted);
        if content.starts_with('-') {
            assert!(
                !inside,
                "{service}.environment must be a map, not a list: {line:?}"
            );
            continue;
        }
        let Some((key, value)) = content.split_once(':') else {
            continue;
        };
        let value = value.split(" #").next().unwrap_or_default().trim();
        if inside && !value.is_empty() {
            env.push((
                key.trim().to_owned(),
                value.trim_matches(['"', '\'']).to_owned(),
            ));
        } else if !inside && value.is_empty() {
            path.push((indent, key.trim().to_owned()));
        }
    }
    env
}

/// What `docker compose` makes of a value when the variables are unset
/// (`${NAME:-default}` → `default`, itself interpolated, so that defaults
/// nest: `${A:-http://localhost:${B:-8080}}` → `http://localhost:8080`; text
/// around a `${…}` and a plain value stay as they are).
pub fn compose_default(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let body = &rest[start + 2..];
        // The `}` that closes this `${`, past those of nested ones.
        let mut depth = 1;
        let mut end = None;
        for (i, c) in body.char_indices() {
            match c {
                '{' if body[..i].ends_with('$') => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end.unwrap_or_else(|| panic!("unclosed ${{ in {value:?}"));
        let inner = &body[..end];
        let (_, default) = inner
            .split_once(":-")
            .or_else(|| inner.split_once('-'))
            .unwrap_or_else(|| panic!("{value:?} has no default: `docker compose up` needs one"));
        out.push_str(&compose_default(default));
        rest = &body[end + 1..];
    }
    assert!(!rest.contains('$'), "cannot interpolate {value:?}");
    out.push_str(rest);
    out
}

#[test]
fn the_compose_reader_finds_one_services_map_and_nothing_else() {
    let text = "services:\n  db:\n    environment:\n      A: x\n  app:\n    image: i\n    \
                environment:\n      # note\n      B: \"y\"\n      C: ${C:-z} # why\n      D:\n    \
                ports:\n      - \"1:1\"\nvolumes:\n  environment:\n";
    assert_eq!(
        compose_environment(text, "app"),
        [("B".into(), "y".into()), ("C".into(), "${C:-z}".into())]
    );
    assert_eq!(compose_default("${C:-z}"), "z");
    assert_eq!(compose_default("plain"), "plain");
    assert_eq!(
        compose_default("${P:-http://localhost:${Q:-8080}}"),
        "http://localhost:8080"
    );
    assert_eq!(compose_default("a${B:-b}c${D-d}"), "abcd");
}

#[test]
fn the_dockerfile_reader_resolves_base_images_given_as_build_arguments() {
    let text = "ARG BASE=debian:bookworm-slim\nFROM ${BASE} AS runtime\nUSER 1\n";
    let stages = dockerfile_stages(text);
    assert_eq!(stages[0].image, "debian:bookworm-slim");
    assert_eq!(stages[0].name.as_deref(), Some("runtime"));
}
