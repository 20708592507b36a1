//! The dependency rules of `src/`, checked: every `crate::` path of a library module is read,
//! and an edge the rules forbid fails this test with its file and line.
//!
//! These rules are the architecture; where DESIGN.md's layout sketch disagrees, this file wins.
//! Unit tests (`tests.rs`, a `tests/` folder, an inline `#[cfg(test)] mod tests`) are not
//! checked: a test may build real parts of any layer to test against.

use std::path::{Path, PathBuf};

/// `(from, to, why)`: module `from` must not use module `to`.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    ("replay", "server", "replay talks to the chat as any client does: through chat (its protocol and entry point)"),
    ("replay", "cli", "the library must not depend on its command line"),
    ("llm", "catalog", "the model adapter knows slots and text; the chat passes it the catalog's words as a value"),
    ("llm", "dialogue", "the model reads a message and words a reply; deciding what to do is the dialogue's"),
    ("llm", "chat", "the chat uses the model, not the other way round; replies reach it as a Brief"),
    ("catalog", "dialogue", "the catalog ranks a query; it knows nothing of conversations"),
    ("catalog", "server", "the catalog is used by every driver, not only the server"),
    ("catalog", "chat", "the catalog sits below the conversation"),
    ("profile", "server", "the store is used by every driver, not only the server"),
    ("profile", "dialogue", "a profile is data with its rules; the dialogue reads it, not the other way round"),
    ("profile", "chat", "the profile sits below the conversation"),
    ("dialogue", "server", "the dialogue is a pure state machine: no transport"),
    ("understand", "server", "understanding is pure text -> slots: no transport"),
    ("chat", "mcp", "the conversation knows no transport; MCP is one more driver of it"),
    ("replay", "mcp", "replay drives the chat, not the agents' door"),
    ("catalog", "mcp", "the catalog sits below every driver"),
    ("profile", "mcp", "the store is used by every driver"),
    ("chat", "server", "one exchange is transport-free: the socket, MCP and replay all drive it"),
    ("orders", "server", "order statistics serve every driver: placements, the chat, the evaluation"),
    ("orders", "chat", "orders sit below the conversation; the chat asks them"),
    ("notices", "server", "notice rules and the outbox are data; the server only delivers them"),
    ("offers", "server", "an offer's rule is data the chat and the REST API both show"),
    ("service", "server", "order answers are part of the chat, not of a transport"),
    ("experiments", "server", "assignment and statistics are used by the server, the CLI and the simulator"),
];

/// Only `main.rs` (the `concierge` binary) may use the command line: the library is used by
/// benches, tests and other binaries that have their own.
const CLI: &str = "cli";

/// One forbidden use: where it is, and the rule it breaks.
#[derive(Debug, PartialEq)]
struct Breach {
    file: String,
    line: usize,
    message: String,
}

/// The top-level module a file under `src/` belongs to (`src/chat/reply.rs` -> `chat`,
/// `src/money.rs` -> `money`); `None` for the crate root and binaries.
fn module_of(relative: &Path) -> Option<String> {
    let mut parts = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned());
    let first = parts.next()?;
    match first.as_str() {
        "lib.rs" | "main.rs" | "bin" => None,
        _ => Some(first.trim_end_matches(".rs").to_string()),
    }
}

/// Whether a file holds only unit tests.
fn is_test_file(relative: &Path) -> bool {
    relative.file_name().is_some_and(|n| n == "tests.rs") || relative.components().any(|c| c.as_os_str() == "tests")
}

/// The top-level modules a line of code names through `crate::` (also inside `crate::{a, b}`).
fn crate_paths(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let preceded_by_word = rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !preceded_by_word {
            if let Some(group) = after.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or_default();
                found.extend(inner.split(',').map(|item| ident(item.trim())).filter(|m| !m.is_empty()));
            } else {
                found.push(ident(after));
            }
        }
        rest = after;
    }
    found
}

fn ident(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// The rules broken by one file's text; `module` is the file's top-level module.
fn breaches(file: &str, module: &str, text: &str) -> Vec<Breach> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        // Inline unit tests sit at the end of a file, after this attribute.
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        for target in crate_paths(code) {
            if target == CLI && module != CLI {
                let message = format!("{module} -> cli is forbidden: only main.rs may use the command line");
                found.push(Breach { file: file.to_string(), line: n + 1, message });
            }
            for (from, to, why) in FORBIDDEN {
                if *from == module && *to == target {
                    let message = format!("{from} -> {to} is forbidden: {why}");
                    found.push(Breach { file: file.to_string(), line: n + 1, message });
                }
            }
        }
        let uses_clap = code.starts_with("use clap") || code.contains("clap::");
        if uses_clap && module != CLI {
            let message = format!("{module} uses clap: only cli parses command lines");
            found.push(Breach { file: file.to_string(), line: n + 1, message });
        }
    }
    found
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

#[test]
fn no_module_of_src_uses_a_module_the_rules_forbid() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut all = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(&src).unwrap();
        let Some(module) = module_of(relative) else { continue };
        if is_test_file(relative) {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        all.extend(breaches(&format!("src/{}", relative.display()), &module, &text));
    }
    let report: Vec<String> = all.iter().map(|b| format!("{}:{}: {}", b.file, b.line, b.message)).collect();
    assert!(report.is_empty(), "forbidden dependencies:\n{}", report.join("\n"));
    assert!(files.len() > 50, "the walk found only {} files under src/", files.len());
}

#[test]
fn a_forbidden_use_is_reported_at_its_line_with_its_reason() {
    let text = "//! docs may name crate::server\nuse crate::chat::protocol::ServerFrame;\nuse crate::{money, server::AppState};\n";
    let found = breaches("src/replay/x.rs", "replay", text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].line, 3);
    assert!(found[0].message.starts_with("replay -> server is forbidden: "), "{}", found[0].message);
}

#[test]
fn only_the_command_line_may_use_cli_or_clap() {
    assert_eq!(breaches("src/chat/x.rs", "chat", "let a = crate::cli::DEFAULT_CATALOG;\n").len(), 1);
    assert_eq!(breaches("src/server/x.rs", "server", "use clap::Args;\n").len(), 1);
    assert!(breaches("src/cli/x.rs", "cli", "use clap::Args;\nuse crate::cli::common;\n").is_empty());
}

#[test]
fn inline_unit_tests_and_paths_inside_other_words_are_not_checked() {
    let text = "use crate::money::Amount;\nlet x = mycrate::server::go();\n#[cfg(test)]\nmod tests {\n    use crate::server::AppState;\n}\n";
    assert!(breaches("src/replay/x.rs", "replay", text).is_empty());
}
