//! The default driver: the chat's own pipeline inside this process, with a fresh temporary
//! store per script, a fixed clock and a fixed seed, so runs are deterministic.
//!
//! Placeholder on the `replay` branch: the lead's implementation replaces this file at merge.
//! Until then [`driver_factory`] explains that only `--url` works.

use std::path::PathBuf;

use serde_json::Value;

use super::driver::{Driver, DriverError, DriverFactory};
use super::script::{Fixture, Script};
use crate::server::frames::ServerFrame;

/// A driver that cannot exist (no value of this type can be made): the placeholder factory
/// never makes one.
pub enum Unavailable {}

impl Driver for Unavailable {
    async fn apply_fixture(&mut self, _: &Fixture) -> Result<(), DriverError> {
        match *self {}
    }
    async fn open(&mut self, _: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        match *self {}
    }
    async fn say(&mut self, _: &str) -> Result<Vec<ServerFrame>, DriverError> {
        match *self {}
    }
    async fn event(&mut self, _: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        match *self {}
    }
    async fn visit(&mut self, _: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        match *self {}
    }
}

/// The placeholder factory; [`driver_factory`] never returns one.
pub struct NoFactory;

impl DriverFactory for NoFactory {
    type Driver = Unavailable;

    async fn make(&self, _: &Script) -> Result<Box<Unavailable>, DriverError> {
        Err(DriverError::Unavailable(NOT_YET.into()))
    }
}

const NOT_YET: &str =
    "in-process replay is not available yet; run against a live server with --url ws://HOST:PORT/v1/chat";

/// A factory of in-process drivers over the catalog and prompt files (`prompts: None`: the
/// default set).
pub fn driver_factory(catalog: PathBuf, prompts: Option<PathBuf>) -> Result<NoFactory, DriverError> {
    let _ = (catalog, prompts);
    Err(DriverError::Unavailable(NOT_YET.into()))
}
