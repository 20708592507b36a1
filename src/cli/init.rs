//! `concierge init DIR`: a starting point for a new shop: a `concierge.toml` whose `[shop]`
//! section names the shop, a copy of the prompt files to edit, and the demo catalog as a
//! placeholder until the merchant imports their own, so `concierge serve` works at once.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use crate::config::Config;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to set up: created if missing; files already there are never overwritten.
    pub dir: PathBuf,
    /// The shop's name, as greetings and pages show it.
    #[arg(long, default_value = "My Shop")]
    pub name: String,
}

/// Every prompt file, with the text this binary was built with, by path inside `prompts/`.
const PROMPTS: [(&str, &str); 19] = [
    ("why.toml", include_str!("../../prompts/why.toml")),
    ("questions.toml", include_str!("../../prompts/questions.toml")),
    ("replies.toml", include_str!("../../prompts/replies.toml")),
    ("policy.toml", include_str!("../../prompts/policy.toml")),
    ("hints.toml", include_str!("../../prompts/hints.toml")),
    ("model.toml", include_str!("../../prompts/model.toml")),
    ("service.toml", include_str!("../../prompts/service.toml")),
    ("notices.toml", include_str!("../../prompts/notices.toml")),
    ("offers.toml", include_str!("../../prompts/offers.toml")),
    ("lexicon/acts.toml", include_str!("../../prompts/lexicon/acts.toml")),
    ("lexicon/ages.toml", include_str!("../../prompts/lexicon/ages.toml")),
    ("lexicon/currencies.toml", include_str!("../../prompts/lexicon/currencies.toml")),
    ("lexicon/interests.toml", include_str!("../../prompts/lexicon/interests.toml")),
    ("lexicon/money.toml", include_str!("../../prompts/lexicon/money.toml")),
    ("lexicon/occasions.toml", include_str!("../../prompts/lexicon/occasions.toml")),
    ("lexicon/purpose.toml", include_str!("../../prompts/lexicon/purpose.toml")),
    ("lexicon/recipients.toml", include_str!("../../prompts/lexicon/recipients.toml")),
    ("lexicon/stopwords.toml", include_str!("../../prompts/lexicon/stopwords.toml")),
    ("../catalog.jsonl", include_str!("../../catalog/demo.jsonl")),
];

/// The starter configuration; `{name}` becomes the shop's name as a TOML string.
const STARTER: &str = r##"# concierge configuration for this shop. Run `concierge serve` from this folder (relative
# paths are read from where you run it). Every setting with its default is in
# concierge.toml.example in the concierge repository; CONCIERGE_* environment variables and
# command-line flags override this file.

addr = "127.0.0.1:8080"
data_dir = "data"
# The catalog (native JSON Lines). This is the demo store until you import your own:
#   concierge import products_export.csv --format shopify --currency USD -o catalog.jsonl
catalog = "catalog.jsonl"
# The prompt files: what the assistant asks and says, and the words it understands.
prompts = "prompts"
# Your shop's web origins, so its pages may embed the widget, e.g. ["https://shop.example"].
allowed_origins = []

# The shop as shoppers see it. Renaming the shop is this one line.
[shop]
name = {name}
assistant = "Gift finder"        # the chat window's title
currency_display = "symbol"      # "symbol" (£24.99) or "code" (24.99 GBP)
accent = "#2f5d50"               # the widget's and pages' colour, #rgb or #rrggbb
# logo_url = "/logo.svg"         # an http(s) URL or a path on this server
lang = "en-GB"                   # the pages' language
"##;

/// Writes the starter files into `args.dir` and prints what to do next. Refuses, writing
/// nothing, when any of them exists already.
pub fn run(args: InitArgs) -> anyhow::Result<ExitCode> {
    let written = init(&args.dir, &args.name)?;
    println!("wrote {} files in {}:", written.len(), args.dir.display());
    for path in &written {
        println!("  {}", path.display());
    }
    println!("next:");
    println!("  cd {}", args.dir.display());
    println!("  concierge import YOUR_EXPORT.csv --format shopify --currency USD -o catalog.jsonl");
    println!("  concierge check --prompts prompts --catalog catalog.jsonl");
    println!("  concierge serve        # then open http://127.0.0.1:8080/");
    Ok(ExitCode::SUCCESS)
}

/// Writes `concierge.toml`, `catalog.jsonl` and `prompts/` into `dir`; returns the paths
/// written. Checks the configuration it writes parses, and that nothing would be overwritten.
pub(crate) fn init(dir: &Path, name: &str) -> anyhow::Result<Vec<PathBuf>> {
    let config = STARTER.replace("{name}", &toml::Value::String(name.trim().to_string()).to_string());
    let mut files: Vec<(PathBuf, &str)> = vec![(dir.join("concierge.toml"), config.as_str())];
    files.extend(PROMPTS.iter().map(|(path, text)| (normalise(&dir.join("prompts").join(path)), *text)));
    let existing: Vec<String> =
        files.iter().filter(|(p, _)| p.exists()).map(|(p, _)| p.display().to_string()).collect();
    if !existing.is_empty() {
        bail!("{} already exists; nothing was written (init never overwrites a file)", existing.join(", "));
    }
    let staged = tempfile::tempdir().context("cannot create a temporary folder")?;
    let check = staged.path().join("concierge.toml");
    std::fs::write(&check, &config)?;
    Config::load(Some(&check)).map_err(|e| anyhow::anyhow!("the shop name cannot be used: {e}"))?;
    for (path, text) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// `dir/prompts/../catalog.jsonl` -> `dir/catalog.jsonl`, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompts::Prompts;

    #[test]
    fn a_new_shop_gets_a_config_with_its_name_prompts_that_load_and_a_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let shop = dir.path().join("threadline");
        init(&shop, "Threadline \"Apparel\"").unwrap();
        let config = Config::load(Some(&shop.join("concierge.toml"))).unwrap();
        assert_eq!(config.shop.name, "Threadline \"Apparel\"");
        assert_eq!(config.catalog, Path::new("catalog.jsonl"));
        Prompts::load(&shop.join("prompts")).unwrap();
        assert!(shop.join("catalog.jsonl").is_file());
    }

    #[test]
    fn every_prompt_file_of_the_repository_is_copied() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
        let mut shipped = Vec::new();
        for entry in std::fs::read_dir(&root).unwrap().chain(std::fs::read_dir(root.join("lexicon")).unwrap()) {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                shipped.push(path.strip_prefix(&root).unwrap().display().to_string());
            }
        }
        for file in &shipped {
            assert!(PROMPTS.iter().any(|(p, _)| p == file), "init does not copy prompts/{file}");
        }
    }

    #[test]
    fn init_never_overwrites_and_refuses_a_name_toml_cannot_hold() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("concierge.toml"), "# mine").unwrap();
        let err = init(dir.path(), "Mine").unwrap_err().to_string();
        assert!(err.contains("concierge.toml already exists"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.path().join("concierge.toml")).unwrap(), "# mine");
        assert!(!dir.path().join("prompts").exists(), "nothing was written");
        let fresh = tempfile::tempdir().unwrap();
        assert!(init(fresh.path(), "").is_err(), "an empty name");
        assert!(!fresh.path().join("concierge.toml").exists());
    }
}
