//! Merchant-editable prompt files: every text a shopper reads comes from `prompts/`.
//!
//! A merchant changes wording by editing files, never Rust. Loading validates everything
//! (TOML syntax, unknown or missing keys, template syntax, template variables that do not
//! exist) and reports each problem as `file:line: message`; an invalid set is refused whole,
//! so a running server keeps its old set.
//!
//! Files: `why.toml` (one template per signal kind).

mod templates;
mod why;

use std::path::Path;

pub use templates::money_filter;
pub use why::WhyTemplates;

use crate::problem::Problem;

/// The built-in copies of the repository's prompt files, used when no prompts folder exists.
const BUILTIN: &[(&str, &str)] = &[("why.toml", include_str!("../../prompts/why.toml"))];

/// A validated set of prompt files.
#[derive(Debug)]
pub struct Prompts {
    why: WhyTemplates,
}

impl Prompts {
    /// Loads and validates every prompt file in `dir`; all problems are returned, not just the
    /// first, so a merchant can fix them in one go.
    pub fn load(dir: &Path) -> Result<Prompts, Vec<Problem>> {
        let read = |name: &str| -> Result<(String, String), Problem> {
            let path = dir.join(name);
            let file = path.display().to_string();
            std::fs::read_to_string(&path).map(|text| (file.clone(), text)).map_err(|e| Problem {
                file,
                line: 0,
                message: format!("cannot read: {e}"),
            })
        };
        let why = read("why.toml").map_err(|p| vec![p])?;
        Prompts::parse(&[("why.toml", why)])
    }

    /// The prompt files compiled into the binary (the repository's `prompts/` folder).
    pub fn builtin() -> Prompts {
        let files: Vec<(&str, (String, String))> =
            BUILTIN.iter().map(|(name, text)| (*name, (format!("<built-in>/{name}"), text.to_string()))).collect();
        // The built-in files are tested (`builtin_prompts_are_valid`), so this cannot fail.
        Prompts::parse(&files).unwrap_or_else(|problems| panic!("built-in prompts are invalid: {problems:?}"))
    }

    /// Loads `dir` when given, else `prompts/` when it exists, else the built-in set.
    pub fn load_or_builtin(dir: Option<&Path>) -> Result<Prompts, Vec<Problem>> {
        match dir {
            Some(dir) => Prompts::load(dir),
            None if Path::new("prompts").is_dir() => Prompts::load(Path::new("prompts")),
            None => Ok(Prompts::builtin()),
        }
    }

    /// `files`: (file name, (display path, text)).
    fn parse(files: &[(&str, (String, String))]) -> Result<Prompts, Vec<Problem>> {
        let mut problems = Vec::new();
        let find = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, f)| f);
        let why = match find("why.toml") {
            Some((file, text)) => WhyTemplates::parse(file, text).map_err(|p| problems.extend(p)).ok(),
            None => None,
        };
        match why {
            Some(why) if problems.is_empty() => Ok(Prompts { why }),
            _ => Err(problems),
        }
    }

    pub fn why(&self) -> &WhyTemplates {
        &self.why
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_prompts_are_valid() {
        let files: Vec<(&str, (String, String))> =
            BUILTIN.iter().map(|(n, t)| (*n, (n.to_string(), t.to_string()))).collect();
        if let Err(problems) = Prompts::parse(&files) {
            panic!("{problems:#?}");
        }
    }

    #[test]
    fn the_repository_prompts_folder_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
        Prompts::load(&dir).unwrap();
    }
}
