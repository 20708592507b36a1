//! Shared template machinery: the minijinja environment settings, the `money` filter, and
//! validation of a template against the variables it may use.

use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};

use crate::money::{Amount, Currency};

/// A fresh environment with concierge's settings: strict undefined variables (a typo in a
/// template is an error, not an empty string), no HTML auto-escaping (texts go out as JSON
/// strings and the widget inserts them as text), the `money` filter, and the global `shop` (the
/// `[shop]` section; the demo shop until [`crate::prompts::Prompts::with_shop`] sets the real one).
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.add_global("shop", Value::from_serialize(crate::shop::Shop::default()));
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_keep_trailing_newline(false);
    env.add_filter("money", money_filter);
    env
}

/// `{{ amount | money }}`: formats an amount in the currency named by the `currency` variable
/// (`£24.99`, `₹1,299`); an explicit code may be passed: `{{ amount | money('EUR') }}`.
pub fn money_filter(state: &State, value: Value, code: Option<String>) -> Result<String, Error> {
    let code = match code {
        Some(code) => code,
        None => state
            .lookup("currency")
            .and_then(|v| v.as_str().map(str::to_string))
            .ok_or_else(|| Error::new(ErrorKind::UndefinedError, "`money` needs a `currency` variable"))?,
    };
    let currency: Currency = code.parse().map_err(|e: String| Error::new(ErrorKind::InvalidOperation, e))?;
    let amount = if let Some(text) = value.as_str() {
        text.parse::<Amount>().ok()
    } else {
        f64::try_from(value.clone()).ok().and_then(Amount::from_f64)
    };
    let amount = amount
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("`{value}` is not an amount of money")))?;
    Ok(currency.format(amount))
}

/// Describes a minijinja error for a merchant: the message and, when known, the line within
/// the template (1-based), so the caller can add the template's own line in its file.
pub(crate) fn describe(error: &Error) -> (String, Option<usize>) {
    let mut message = error.detail().map(str::to_string).unwrap_or_else(|| error.kind().to_string());
    if error.kind() == ErrorKind::UndefinedError && error.detail().is_none() {
        message = "uses a variable that does not exist here".to_string();
    }
    (message, error.line())
}

/// A template from a prompt file: its name, source and where it sits in the file.
pub(crate) struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub name: String,
    pub template: &'a toml::Spanned<String>,
}

/// Compiles the template into `env` and renders it with every sample context (all the
/// variables it may use, in their empty and full forms). Each failure becomes a problem at the
/// template's line in its file: syntax errors at their own line within a multi-line template.
pub(crate) fn add_checked(
    env: &mut Environment<'static>,
    source: Source<'_>,
    samples: &[Value],
    problems: &mut Vec<crate::problem::Problem>,
) {
    let line = super::toml_file::line_of(source.text, source.template.span().start);
    let problem = |line: usize, message: String| crate::problem::Problem {
        file: source.file.to_string(),
        line,
        message: format!("template `{}`: {message}", source.name),
    };
    if let Err(e) = env.add_template_owned(source.name.clone(), source.template.get_ref().clone()) {
        let (message, at) = describe(&e);
        problems.push(problem(line + at.unwrap_or(1) - 1, message));
        return;
    }
    for sample in samples {
        if let Err(e) = env.get_template(&source.name).and_then(|t| t.render(sample)) {
            let (mut message, at) = describe(&e);
            if e.kind() == ErrorKind::UndefinedError
                && let Ok(template) = env.get_template(&source.name)
            {
                let unknown = unknown_variables(&template.undeclared_variables(true), samples);
                if !unknown.is_empty() {
                    message = format!(
                        "uses {} that does not exist here (it may use: {})",
                        unknown.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                        known_variables(samples).join(", ")
                    );
                }
            }
            problems.push(problem(line + at.unwrap_or(1) - 1, message));
            return;
        }
    }
}

/// The variables (dotted paths such as `slots.colour`) a template uses that no sample context
/// defines, sorted: what a merchant mistyped. A path is known when any sample defines it, so an
/// attribute of a value that is sometimes empty (`slots.budget.max`) is not reported.
fn unknown_variables(used: &std::collections::HashSet<String>, samples: &[Value]) -> Vec<String> {
    let defined = |path: &str| {
        samples.iter().any(|sample| {
            let mut value = sample.clone();
            for part in path.split('.') {
                match value.get_attr(part) {
                    Ok(next) if !next.is_undefined() => value = next,
                    _ => return value.is_none(),
                }
            }
            true
        })
    };
    let mut unknown: Vec<String> = used.iter().filter(|path| !defined(path)).cloned().collect();
    unknown.sort();
    unknown
}

/// The top-level variables the sample contexts define, sorted, for the merchant to choose from.
fn known_variables(samples: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = samples
        .iter()
        .filter_map(|s| s.try_iter().ok())
        .flatten()
        .filter_map(|k| k.as_str().map(|k| format!("`{k}`")))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Renders a template that was checked at load; a failure (a concierge bug) is logged and
/// gives an empty string rather than a crash.
pub(crate) fn render(env: &Environment<'static>, name: &str, context: &Value) -> String {
    match env.get_template(name).and_then(|t| t.render(context)) {
        Ok(text) => text.trim().to_string(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "template failed");
            String::new()
        }
    }
}
