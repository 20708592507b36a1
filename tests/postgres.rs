//! The profile store on PostgreSQL, against real throwaway clusters (see `postgres/cluster.rs`):
//! the store contract run against sled and PostgreSQL alike, several servers' stores sharing
//! one database (and two servers behind HAProxy), a database killed under load, and moving a
//! shop between stores.
//! Skipped with a note where PostgreSQL is not installed, required in CI (`CONCIERGE_PG`).

#[path = "postgres/cluster.rs"]
mod cluster;
#[path = "postgres/contract.rs"]
mod contract;
#[path = "postgres/copy.rs"]
mod copy;
#[path = "postgres/experiments.rs"]
mod experiments;
#[path = "postgres/notices.rs"]
mod notices;
#[path = "postgres/orders.rs"]
mod orders;
#[path = "postgres/outage.rs"]
mod outage;
#[path = "postgres/roaming.rs"]
mod roaming;
#[path = "postgres/serve.rs"]
mod serve;
#[path = "postgres/servers.rs"]
mod servers;
#[path = "postgres/shared.rs"]
mod shared;
