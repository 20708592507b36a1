//! The merchant's shop as shoppers see it: the `[shop]` section of the configuration (name,
//! how prices show their currency, accent colour, logo). Reply templates read it as
//! `{{ shop.name }}`; the demo shop pages and the widget use its name, colour and logo. The
//! shop's voice stays in `prompts/model.toml`.

use serde::{Deserialize, Serialize};

use crate::money::{Amount, Currency};

/// The `[shop]` section. Every value is checked when the configuration is read, so a page can
/// put it in markup or CSS as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Shop {
    /// The shop's name, as greetings and pages show it.
    #[serde(deserialize_with = "name")]
    pub name: String,
    /// What the chat window is called (the widget's title).
    #[serde(deserialize_with = "name")]
    pub assistant: String,
    /// How prices show their currency: `symbol` (£24.99) or `code` (24.99 GBP).
    pub currency_display: CurrencyDisplay,
    /// The accent colour of the widget and pages, `#rgb` or `#rrggbb`.
    #[serde(deserialize_with = "colour")]
    pub accent: String,
    /// A logo shown in the pages' header: an http(s) URL or a path on this server.
    #[serde(deserialize_with = "logo")]
    pub logo_url: Option<String>,
    /// The pages' language (the `lang` attribute), e.g. `en-GB`.
    #[serde(deserialize_with = "lang")]
    pub lang: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrencyDisplay {
    #[default]
    Symbol,
    Code,
}

impl Default for Shop {
    fn default() -> Shop {
        Shop {
            name: "Hearth & Hobby".into(),
            assistant: "Gift finder".into(),
            currency_display: CurrencyDisplay::Symbol,
            accent: "#2f5d50".into(),
            logo_url: None,
            lang: "en-GB".into(),
        }
    }
}

impl Shop {
    /// A price as this shop shows it: `£24.99` (symbol) or `24.99 GBP` (code).
    pub fn price(&self, amount: Amount, currency: Currency) -> String {
        match self.currency_display {
            CurrencyDisplay::Symbol => currency.format(amount),
            CurrencyDisplay::Code => format!("{} {}", currency.format_number(amount), currency.code()),
        }
    }
}

/// The longest shop or assistant name accepted.
const MAX_NAME_CHARS: usize = 80;

fn name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(serde::de::Error::custom(format!(
            "a name is 1 to {MAX_NAME_CHARS} characters with no control characters"
        )));
    }
    Ok(name)
}

/// Only `#rgb` / `#rrggbb`: the value goes into CSS, so nothing else may pass.
fn colour<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let colour = String::deserialize(d)?.trim().to_ascii_lowercase();
    let hex = colour.strip_prefix('#').unwrap_or_default();
    if matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(colour)
    } else {
        Err(serde::de::Error::custom(format!("accent `{colour}` is not a colour like \"#2f5d50\"")))
    }
}

fn logo<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let url = String::deserialize(d)?.trim().to_string();
    if url.is_empty() {
        return Ok(None);
    }
    let web = url.starts_with("https://") || url.starts_with("http://");
    let local = url.starts_with('/') && !url.starts_with("//");
    let clean = url.len() <= 2048 && !url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"');
    if (web || local) && clean {
        Ok(Some(url))
    } else {
        Err(serde::de::Error::custom("logo_url is an http(s) URL or a path on this server such as /logo.svg"))
    }
}

fn lang<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let lang = String::deserialize(d)?.trim().to_string();
    let ok = !lang.is_empty() && lang.len() <= 35 && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok { Ok(lang) } else { Err(serde::de::Error::custom(format!("lang `{lang}` is not a language tag like en-GB"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Shop, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_section_is_the_demo_shop_and_one_line_renames_it() {
        assert_eq!(parse("").expect("defaults"), Shop::default());
        let shop = parse("name = \"Threadline Apparel\"").expect("a name");
        assert_eq!(shop.name, "Threadline Apparel");
        assert_eq!(shop.accent, Shop::default().accent);
    }

    #[test]
    fn the_example_configuration_reads_and_describes_the_demo_shop() {
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("concierge.toml.example");
        let config = crate::config::Config::load(Some(&example)).expect("the example configuration reads");
        assert_eq!(config.shop, Shop::default());
    }

    #[test]
    fn prices_show_the_symbol_or_the_code_as_configured() {
        let usd: Currency = "USD".parse().expect("a currency");
        let amount = Amount::from_f64(1299.5).expect("an amount");
        assert_eq!(Shop::default().price(amount, usd), "$1,299.50");
        let coded = parse("currency_display = \"code\"").expect("code display");
        assert_eq!(coded.price(amount, usd), "1,299.50 USD");
    }

    #[test]
    fn values_that_would_break_markup_or_css_are_refused_with_the_reason() {
        let bad = parse("accent = \"red;} body{display:none\"").expect_err("not a colour");
        assert!(bad.contains("not a colour"), "{bad}");
        assert!(parse("accent = \"#ABC\"").is_ok());
        let logo = parse("logo_url = \"javascript:alert(1)\"").expect_err("not a URL");
        assert!(logo.contains("logo_url"), "{logo}");
        assert!(parse("logo_url = \"/logo.svg\"").is_ok());
        assert!(parse("name = \"\"").is_err());
        assert!(parse("lang = \"en\\\" onload=\\\"x\"").is_err());
        assert!(parse("colour = \"#fff\"").expect_err("unknown key").contains("colour"));
    }
}
