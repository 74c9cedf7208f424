//! Resident memory for the benches, read from `/proc`. A figure that could
//! not be read is an error, never a zero that would pass its budget.

use std::path::Path;

/// VmRSS in MB from a `/proc/<pid>/status` file.
pub fn vm_rss_mb(status: &Path) -> Result<f64, String> {
    let text =
        std::fs::read_to_string(status).map_err(|e| format!("cannot read {}: {e}", status.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .ok_or_else(|| format!("no VmRSS line in {}", status.display()))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<f64>()
        .map(|kb| kb / 1024.0)
        .map_err(|e| format!("unreadable VmRSS in {}: {e}", status.display()))
}

/// This process's VmRSS in MB.
pub fn own_rss_mb() -> Result<f64, String> {
    vm_rss_mb(Path::new("/proc/self/status"))
}

/// The `bench: rss …` line for `samples` (one per run) against a budget in
/// MB: the median and every sample, or `error` with the first failure.
pub fn rss_line(samples: &[Result<f64, String>], budget: f64, what: &str) -> String {
    if let Some(Err(e)) = samples.iter().find(|s| s.is_err()) {
        return format!("bench: rss n/a MB budget <= {budget:.0} error ({e})");
    }
    let mut values: Vec<f64> = samples.iter().filter_map(|s| s.as_ref().ok().copied()).collect();
    if values.is_empty() {
        return format!("bench: rss n/a MB budget <= {budget:.0} error (no sample)");
    }
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    let list = values
        .iter()
        .map(|v| format!("{v:.0}"))
        .collect::<Vec<_>>()
        .join(", ");
    let verdict = if median <= budget { "ok" } else { "over" };
    format!(
        "bench: rss {median:.0} MB budget <= {budget:.0} {verdict} (median of {}: {list} MB; {what})",
        values.len()
    )
}
