//! The `[experiments]` section: the built-in holdout, sized by `holdout_percent`
//! (`CONCIERGE_HOLDOUT_PERCENT`; default 0, off), and any number of experiments of the
//! merchant's own, each a key and arms with weights and what each arm changes.
//!
//! ```toml
//! [experiments]
//! holdout_percent = 5
//! repeat_window_days = 90
//!
//! [[experiments.experiment]]
//! key = "ranking"
//! control = "personal"
//! arms = [
//!   { name = "personal", weight = 50 },
//!   { name = "popular", weight = 50, ranking = "popular" },
//! ]
//! ```

use serde::Deserialize;

/// The key of the built-in holdout.
pub const HOLDOUT: &str = "holdout";
/// Its arms: the held-out shoppers (no assistant) and everyone else.
pub const HELD_OUT_ARM: &str = "holdout";
pub const ASSISTANT_ARM: &str = "assistant";
const MAX_NAME: usize = 64;
const MAX_EXPERIMENTS: usize = 20;
const MAX_ARMS: usize = 10;

/// The section as written (see the module doc); checked when parsed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawSection")]
pub struct ExperimentsConfig {
    holdout_percent: f64,
    repeat_window_days: u32,
    experiments: Vec<Experiment>,
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSection {
    holdout_percent: f64,
    repeat_window_days: u32,
    experiment: Vec<Experiment>,
}

impl Default for RawSection {
    fn default() -> RawSection {
        RawSection { holdout_percent: 0.0, repeat_window_days: 90, experiment: Vec::new() }
    }
}

/// One experiment: its key, its arms, and the arm others are compared with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    pub key: String,
    /// The arm lifts are relative to; the first arm when not named.
    #[serde(default)]
    pub control: Option<String>,
    pub arms: Vec<Arm>,
}

/// One arm and what it changes; an arm that changes nothing is the assistant as it is.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    pub name: String,
    pub weight: f64,
    /// `false`: the widget stays closed and the chat refuses messages (`held_out`).
    #[serde(default = "yes")]
    pub assistant: bool,
    /// `false`: each visit starts as a new shopper, with nothing remembered.
    #[serde(default = "yes")]
    pub memory: bool,
    /// `"popular"`: the ranker gets no behaviour signals (what the shopper viewed or bought).
    #[serde(default)]
    pub ranking: Ranking,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ranking {
    #[default]
    Personal,
    Popular,
}

impl Default for ExperimentsConfig {
    fn default() -> ExperimentsConfig {
        ExperimentsConfig { holdout_percent: 0.0, repeat_window_days: 90, experiments: Vec::new() }
    }
}

impl TryFrom<RawSection> for ExperimentsConfig {
    type Error = String;

    fn try_from(raw: RawSection) -> Result<ExperimentsConfig, String> {
        let mut config = ExperimentsConfig {
            holdout_percent: 0.0,
            repeat_window_days: raw.repeat_window_days,
            experiments: raw.experiment,
        };
        config.set_holdout_percent(raw.holdout_percent)?;
        if config.repeat_window_days == 0 {
            return Err("experiments.repeat_window_days must be at least 1".into());
        }
        if config.experiments.len() > MAX_EXPERIMENTS {
            return Err(format!("at most {MAX_EXPERIMENTS} experiments"));
        }
        for (n, experiment) in config.experiments.iter().enumerate() {
            check(experiment).map_err(|e| format!("experiment {}: {e}", n + 1))?;
            if config.experiments[..n].iter().any(|e| e.key == experiment.key) {
                return Err(format!("experiment key `{}` is used twice", experiment.key));
            }
        }
        Ok(config)
    }
}

fn check(experiment: &Experiment) -> Result<(), String> {
    let name_ok = |name: &str| {
        !name.is_empty()
            && name.len() <= MAX_NAME
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !name_ok(&experiment.key) {
        return Err(format!("key `{}`: 1 to {MAX_NAME} letters, digits, `-` or `_`", experiment.key));
    }
    if experiment.key == HOLDOUT {
        return Err(format!("`{HOLDOUT}` is the built-in holdout: size it with experiments.holdout_percent"));
    }
    if experiment.arms.len() < 2 || experiment.arms.len() > MAX_ARMS {
        return Err(format!("2 to {MAX_ARMS} arms"));
    }
    for (n, arm) in experiment.arms.iter().enumerate() {
        if !name_ok(&arm.name) {
            return Err(format!("arm name `{}`: 1 to {MAX_NAME} letters, digits, `-` or `_`", arm.name));
        }
        if !(arm.weight.is_finite() && arm.weight > 0.0) {
            return Err(format!("arm `{}`: the weight must be a positive number", arm.name));
        }
        if experiment.arms[..n].iter().any(|a| a.name == arm.name) {
            return Err(format!("arm `{}` is named twice", arm.name));
        }
    }
    if let Some(control) = &experiment.control
        && !experiment.arms.iter().any(|a| &a.name == control)
    {
        return Err(format!("control `{control}` is not one of the arms"));
    }
    Ok(())
}

impl ExperimentsConfig {
    /// Sizes the built-in holdout: 0 (off) to 50 percent.
    pub fn set_holdout_percent(&mut self, percent: f64) -> Result<(), String> {
        if !(percent.is_finite() && (0.0..=50.0).contains(&percent)) {
            return Err(format!("the holdout is 0 to 50 percent, not {percent}"));
        }
        self.holdout_percent = percent;
        Ok(())
    }

    pub fn holdout_percent(&self) -> f64 {
        self.holdout_percent
    }

    /// How long after a first purchase a second one counts as a repeat.
    pub fn repeat_window(&self) -> time::Duration {
        time::Duration::days(i64::from(self.repeat_window_days))
    }

    /// Every running experiment: the built-in holdout first (when its size is above 0), then
    /// the merchant's, in the file's order.
    pub fn running(&self) -> Vec<Experiment> {
        let mut all = Vec::with_capacity(self.experiments.len() + 1);
        if self.holdout_percent > 0.0 {
            all.push(holdout(self.holdout_percent));
        }
        all.extend(self.experiments.iter().cloned());
        all
    }

    /// The experiment named `key`, running or not (the holdout when asked for by its key, so
    /// its report stays readable after it is switched off).
    pub fn find(&self, key: &str) -> Option<Experiment> {
        if key == HOLDOUT {
            return Some(holdout(self.holdout_percent));
        }
        self.experiments.iter().find(|e| e.key == key).cloned()
    }
}

/// The built-in holdout at `percent` percent (see the module doc).
pub fn holdout(percent: f64) -> Experiment {
    let arm = |name: &str, weight: f64, assistant: bool| Arm {
        name: name.into(),
        weight,
        assistant,
        memory: true,
        ranking: Ranking::Personal,
    };
    Experiment {
        key: HOLDOUT.into(),
        control: Some(HELD_OUT_ARM.into()),
        arms: vec![arm(HELD_OUT_ARM, percent, false), arm(ASSISTANT_ARM, 100.0 - percent, true)],
    }
}

impl Experiment {
    /// The control arm's name.
    pub fn control(&self) -> &str {
        self.control.as_deref().or(self.arms.first().map(|a| a.name.as_str())).unwrap_or_default()
    }

    pub fn arm(&self, name: &str) -> Option<&Arm> {
        self.arms.iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ExperimentsConfig, String> {
        #[derive(Deserialize)]
        struct File {
            experiments: ExperimentsConfig,
        }
        toml::from_str::<File>(text).map(|f| f.experiments).map_err(|e| e.to_string())
    }

    #[test]
    fn the_holdout_is_off_by_default_and_runs_once_sized() {
        assert!(ExperimentsConfig::default().running().is_empty());
        let config = parse("[experiments]\nholdout_percent = 5").unwrap();
        let running = config.running();
        assert_eq!(running.len(), 1);
        assert_eq!(running[0].control(), "holdout");
        assert_eq!(running[0].arm("holdout").map(|a| a.assistant), Some(false));
    }

    #[test]
    fn an_experiment_of_the_merchants_parses_with_its_changes() {
        let config = parse(
            "[experiments]\n[[experiments.experiment]]\nkey = \"r\"\narms = [{name = \"a\", weight = 1}, {name = \"b\", weight = 1, ranking = \"popular\", memory = false}]",
        )
        .unwrap();
        let experiment = config.find("r").unwrap();
        assert_eq!(experiment.control(), "a");
        let b = experiment.arm("b").unwrap();
        assert_eq!((b.ranking, b.memory, b.assistant), (Ranking::Popular, false, true));
    }

    #[test]
    fn the_holdout_is_sized_from_the_environment_and_a_bad_size_names_the_variable() {
        let mut config = crate::config::Config::default();
        config.apply_env(|n| (n == "CONCIERGE_HOLDOUT_PERCENT").then(|| "5".to_string())).unwrap();
        assert_eq!(config.experiments.holdout_percent(), 5.0);
        for bad in ["60", "-1", "five", "NaN"] {
            let refused = config.apply_env(|n| (n == "CONCIERGE_HOLDOUT_PERCENT").then(|| bad.to_string()));
            assert!(refused.unwrap_err().to_string().contains("CONCIERGE_HOLDOUT_PERCENT"), "{bad}");
        }
    }

    #[test]
    fn bad_experiments_are_refused_with_a_reason() {
        assert!(parse("[experiments]\nholdout_percent = 80").unwrap_err().contains("0 to 50"));
        let one_arm = "[experiments]\n[[experiments.experiment]]\nkey = \"r\"\narms = [{name = \"a\", weight = 1}]";
        assert!(parse(one_arm).unwrap_err().contains("2 to 10 arms"));
        let zero = "[experiments]\n[[experiments.experiment]]\nkey = \"r\"\narms = [{name = \"a\", weight = 0}, {name = \"b\", weight = 1}]";
        assert!(parse(zero).unwrap_err().contains("positive"));
        let builtin = "[experiments]\n[[experiments.experiment]]\nkey = \"holdout\"\narms = [{name = \"a\", weight = 1}, {name = \"b\", weight = 1}]";
        assert!(parse(builtin).unwrap_err().contains("built-in"));
    }
}
