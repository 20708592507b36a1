//! Running many scripts: find them, play them concurrently (a bounded number at once), each
//! with a fresh driver from the factory, compare or bless golden files, and collect the
//! outcomes in input order.
//!
//! Nothing one script does can stop the others: a malformed script, a driver that cannot
//! connect, or even a panic inside a driver becomes that script's failure.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::driver::DriverFactory;
use super::golden;
use super::play::{Line, Stop, play};
use super::script::Script;
use crate::problem::Problem;

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Write golden files instead of comparing with them.
    pub bless: bool,
    /// How many scripts run at once.
    pub jobs: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { bless: false, jobs: 8 }
    }
}

/// How one script went.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub path: PathBuf,
    /// The script's `name:` (or its file name).
    pub name: String,
    pub verdict: Verdict,
    pub elapsed: Duration,
}

#[derive(Debug, Clone)]
pub enum Verdict {
    /// Every expectation held (and the golden file, if any, matched). `blessed`: its golden
    /// file was (re)written.
    Passed { blessed: bool },
    /// The script could not be read: each problem at its line.
    Invalid(Vec<Problem>),
    /// An expectation broke or the driver failed; with the transcript up to there.
    Stopped { stop: Stop, transcript: Vec<Line> },
    /// Every expectation held but replies differ from the golden file.
    Changed { golden: PathBuf, diff: String },
    /// The golden file could not be read or written.
    GoldenIo { golden: PathBuf, error: String },
}

impl Outcome {
    pub fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Passed { .. })
    }
}

/// Every outcome, in the order the scripts were given and found.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub outcomes: Vec<Outcome>,
}

impl Summary {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed()).count()
    }

    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }

    /// Whether every script passed (and there was at least one).
    pub fn all_passed(&self) -> bool {
        !self.outcomes.is_empty() && self.failed() == 0
    }
}

/// Finds the scripts named by `paths`: files as given, folders searched recursively for
/// `*.yaml` / `*.yml` (golden files skipped), each folder's scripts in name order. A path that
/// does not exist is kept as given, so it fails as a script that cannot be read.
pub fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found);
        } else {
            found.push(path.clone());
        }
    }
    found
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        found.push(dir.to_path_buf());
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, found);
        } else if is_script(&path) {
            found.push(path);
        }
    }
}

fn is_script(path: &Path) -> bool {
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    yaml && !golden::is_golden(path)
}

/// Runs every script found under `paths`, at most `options.jobs` at once, each with a fresh
/// driver from `factory`. Must be called within a tokio runtime.
pub async fn run<F: DriverFactory>(paths: &[PathBuf], factory: F, options: &Options) -> Summary {
    let factory = Arc::new(factory);
    let jobs = discover(paths).into_iter().map(|path| {
        let factory = Arc::clone(&factory);
        let options = options.clone();
        let task = tokio::spawn({
            let path = path.clone();
            async move { run_one(path, &*factory, &options).await }
        });
        async move {
            task.await.unwrap_or_else(|e| Outcome {
                name: path.display().to_string(),
                verdict: Verdict::Invalid(vec![Problem {
                    file: path.display().to_string(),
                    line: 0,
                    message: format!("the replay of this script crashed: {e}"),
                }]),
                path,
                elapsed: Duration::ZERO,
            })
        }
    });
    let outcomes = futures_util::stream::iter(jobs).buffered(options.jobs.max(1)).collect().await;
    Summary { outcomes }
}

/// Reads, plays and (for golden files) compares or blesses one script.
async fn run_one<F: DriverFactory>(path: PathBuf, factory: &F, options: &Options) -> Outcome {
    let started = Instant::now();
    let script = match Script::load(&path) {
        Ok(script) => script,
        Err(problems) => {
            let name = path.display().to_string();
            return Outcome { path, name, verdict: Verdict::Invalid(problems), elapsed: started.elapsed() };
        }
    };
    let verdict = match factory.make(&script).await {
        Err(error) => Verdict::Stopped {
            stop: Stop::Driver { turn: 0, line: 0, what: "starting the chat".into(), error: error.to_string() },
            transcript: Vec::new(),
        },
        Ok(mut driver) => {
            let played = play(&script, &mut *driver).await;
            match played.stop {
                Some(stop) => Verdict::Stopped { stop, transcript: played.transcript },
                None => golden_verdict(&path, &golden::render(&played.record), options.bless),
            }
        }
    };
    Outcome { path, name: script.name, verdict, elapsed: started.elapsed() }
}

/// Blesses, or compares with the golden file when there is one.
fn golden_verdict(script: &Path, now: &str, bless: bool) -> Verdict {
    let golden = golden::path_for(script);
    if bless {
        return match std::fs::write(&golden, now) {
            Ok(()) => Verdict::Passed { blessed: true },
            Err(e) => Verdict::GoldenIo { golden, error: format!("cannot write: {e}") },
        };
    }
    match std::fs::read_to_string(&golden) {
        Ok(before) => match golden::diff(&before, now) {
            None => Verdict::Passed { blessed: false },
            Some(diff) => Verdict::Changed { golden, diff },
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Verdict::Passed { blessed: false },
        Err(e) => Verdict::GoldenIo { golden, error: format!("cannot read: {e}") },
    }
}
