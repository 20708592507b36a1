//! CPU time spent by the server and by the generator itself over the measured window, from
//! `/proc/<pid>/stat` (user + system time of the whole process, exited threads included). On
//! 2 shared cores the split says where a turn's cost goes: the server's share per turn is what
//! concierge costs, the generator's share is what the measurement costs.

use std::time::Instant;

/// `/proc` reports CPU times in USER_HZ, which Linux fixes at 100 per second for user space.
const USER_HZ: f64 = 100.0;

/// CPU seconds used so far by process `pid` (`None`: this process), on Linux.
pub fn seconds(pid: Option<u32>) -> Option<f64> {
    let path = pid.map_or_else(|| "/proc/self/stat".to_string(), |pid| format!("/proc/{pid}/stat"));
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of the whole line are 12 and 13 after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / USER_HZ)
}

/// Readings of both processes at one moment.
#[derive(Clone, Copy)]
pub struct Sample {
    at: Instant,
    server: Option<f64>,
    generator: Option<f64>,
}

impl Sample {
    pub fn now(server_pid: Option<u32>) -> Sample {
        Sample { at: Instant::now(), server: server_pid.and_then(|pid| seconds(Some(pid))), generator: seconds(None) }
    }

    /// Cores busy between `self` and `later`: (server, generator).
    pub fn cores_until(&self, later: &Sample) -> (Option<f64>, Option<f64>) {
        let wall = later.at.duration_since(self.at).as_secs_f64().max(0.001);
        let busy = |a: Option<f64>, b: Option<f64>| Some((b? - a?) / wall);
        (busy(self.server, later.server), busy(self.generator, later.generator))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_has_a_cpu_time() {
        let spent = super::seconds(None).expect("/proc/self/stat is readable on Linux");
        assert!(spent >= 0.0);
    }
}
