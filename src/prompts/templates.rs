//! Shared template machinery: the minijinja environment settings, the `money` filter, and
//! validation of a template against the variables it may use.

use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};

use crate::money::{Amount, Currency};

/// A fresh environment with concierge's settings: strict undefined variables (a typo in a
/// template is an error, not an empty string), no HTML auto-escaping (texts go out as JSON
/// strings and the widget inserts them as text), and the `money` filter.
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
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
