//! Throwaway PostgreSQL clusters for the tests: Debian's `initdb --no-sync` and `pg_ctl` (run as
//! the `postgres` user when the tests run as root) in a temporary directory on a free port.
//!
//! One shared cluster per test binary, with a fresh database per test copied from a migrated
//! template; a private cluster only for a test that kills its database. Without PostgreSQL
//! installed, [`shared`] and [`Cluster::private`] print a note and return `None` (the test
//! then skips), unless `CONCIERGE_PG=required`, as in CI, where that is a failure.
//!
//! A cluster outlives no test run: a watchdog process started with it stops it (`pg_ctl stop
//! -m immediate`) and removes its directory as soon as the test process is gone, even after
//! a panic or a kill.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use concierge::profile::{PostgresOptions, PostgresStore};

const TEMPLATE: &str = "concierge_template";

pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    pub port: u16,
    /// Run the server's tools as `postgres` (we are root, which `initdb` refuses).
    as_postgres: bool,
}

/// The binary's shared cluster, started on first use, with the migrated template database.
pub fn shared() -> Option<&'static Cluster> {
    static SHARED: OnceLock<Option<Cluster>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let cluster = Cluster::private()?;
            cluster.psql("postgres", &format!("CREATE DATABASE {TEMPLATE}"));
            // Opening the store migrates; dropping it closes its connections, so the template
            // can be copied.
            drop(
                PostgresStore::open(&cluster.url(TEMPLATE), PostgresOptions::default()).expect("migrate the template"),
            );
            Some(cluster)
        })
        .as_ref()
}

/// Whether `database` on the shared cluster applied exactly the migrations a database migrated
/// alone did (a copy of the template). Versions have gaps (numbers are reserved per change), so
/// comparing the count with the highest version would not do.
pub fn migrated_once(database: &str) -> bool {
    let (Some(cluster), Some(reference)) = (shared(), fresh_database()) else { return false };
    let versions = "SELECT string_agg(version::text, ',' ORDER BY version) FROM concierge_migrations";
    let reference = reference.rsplit('/').next().unwrap_or_default().to_string();
    cluster.psql(database, versions) == cluster.psql(&reference, versions)
}

/// A fresh, migrated database on the shared cluster: its URL.
pub fn fresh_database() -> Option<String> {
    let cluster = shared()?;
    Some(cluster.url(&cluster.create_database(Some(TEMPLATE))))
}

/// An empty database (no schema) on the shared cluster: its URL.
pub fn empty_database() -> Option<String> {
    let cluster = shared()?;
    Some(cluster.url(&cluster.create_database(None)))
}

fn required() -> bool {
    std::env::var("CONCIERGE_PG").is_ok_and(|v| v == "required")
}

/// The newest installed PostgreSQL's binaries (`/usr/lib/postgresql/N/bin` on Debian).
fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn skip(why: &str) -> Option<Cluster> {
    assert!(!required(), "CONCIERGE_PG=required but {why}");
    eprintln!("note: skipping the PostgreSQL tests: {why} (install Debian's postgresql package)");
    None
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Cluster {
    /// A new cluster of its own, started; `None` (with a note) when PostgreSQL is missing.
    pub fn private() -> Option<Cluster> {
        let Some(bin) = find_bin() else { return skip("no PostgreSQL under /usr/lib/postgresql") };
        let as_postgres = is_root();
        if as_postgres && !Command::new("id").arg("postgres").stdout(Stdio::null()).status().is_ok_and(|s| s.success())
        {
            return skip("no `postgres` user to run it as");
        }
        let dir = tempfile::Builder::new().prefix("concierge-pg-").tempdir().unwrap().keep();
        let cluster = Cluster { bin, dir, port: free_port(), as_postgres };
        if as_postgres {
            run(Command::new("chown").arg("-R").arg("postgres:postgres").arg(&cluster.dir));
        }
        cluster.watch();
        let data = cluster.data();
        run(cluster
            .tool("initdb")
            .args(["--no-sync", "--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C", "-D"])
            .arg(&data));
        cluster.start();
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A server tool, run as `postgres` when needed.
    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts the server and waits until it accepts connections. It runs in a session of its
    /// own, so [`Cluster::kill`] can kill its whole process group and nothing else.
    pub fn start(&self) {
        let options = format!(
            // fsync off only speeds up the tests: a killed process loses nothing the kernel
            // already has, and COMMIT still waits for its WAL write (synchronous_commit = on).
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        // `--wait`: setsid forks when it must, and pg_ctl's own wait is what we wait for.
        let mut command = Command::new("setsid");
        command.arg("--wait");
        if self.as_postgres {
            command.args(["runuser", "-u", "postgres", "--"]);
        }
        command.arg(self.bin.join("pg_ctl")).arg("-D").arg(self.data()).arg("-l").arg(self.dir.join("log"));
        run(command.args(["-w", "-t", "60", "-o", &options, "start"]).stdout(Stdio::null()));
    }

    /// SIGKILL to the postmaster and every backend (its process group), as a crash would.
    pub fn kill(&self) {
        let pid = std::fs::read_to_string(self.data().join("postmaster.pid")).unwrap();
        let pid: u32 = pid.lines().next().unwrap().trim().parse().unwrap();
        let group = process_group(pid);
        assert_ne!(group, process_group(std::process::id()), "never kill the test's own group");
        run(Command::new("kill").args(["-KILL", "--", &format!("-{group}")]));
        let gone = Instant::now();
        while Path::new(&format!("/proc/{pid}")).exists() && gone.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs SQL as the superuser, panicking with psql's message when it fails.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let output = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres"])
            .args(["-p", &self.port.to_string(), "-d", database, "-c", sql])
            .output()
            .unwrap();
        assert!(output.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// A new database named for this process and a counter, copied from `template` when given.
    pub fn create_database(&self, template: Option<&str>) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        // Copies of one template are made one at a time: PostgreSQL refuses to copy a
        // database somebody is connected to, and a copy in progress counts.
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let name = format!("test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        match template {
            Some(template) => self.psql("postgres", &format!("CREATE DATABASE {name} TEMPLATE {template}")),
            None => self.psql("postgres", &format!("CREATE DATABASE {name}")),
        };
        name
    }

    /// A process that stops the cluster and removes its directory once this process is gone.
    fn watch(&self) {
        let stop = format!(
            "while kill -0 {parent} 2>/dev/null; do sleep 1; done; {runner} '{pg_ctl}' -D '{data}' -m immediate stop; rm -rf '{dir}'",
            parent = std::process::id(),
            runner = if self.as_postgres { "runuser -u postgres --" } else { "" },
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.data().display(),
            dir = self.dir.display(),
        );
        // `--fork`: setsid returns at once, leaving the watchdog in a session of its own (so
        // a Ctrl-C to the tests does not stop it before it has stopped the cluster).
        run(Command::new("setsid")
            .args(["--fork", "sh", "-c", &stop])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.tool("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn process_group(pid: u32) -> u32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split_whitespace().nth(2).unwrap().parse().unwrap()
}

fn run(command: &mut Command) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{:?} failed: {}{}",
        command,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
