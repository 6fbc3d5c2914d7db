//! When a cycle runs: `every N cycles`, or a cron schedule matched against the local wall
//! clock (`every` runs at most once per matching minute, `not every` skips the matching
//! minutes). A service with an `every` schedule is also woken at the start of each minute,
//! so a slot is never skipped.

use std::time::{Duration, SystemTime};

use super::ServiceTask;
use crate::config::model::Every;
use crate::config::model::cron::CronTime;

impl ServiceTask {
    pub(super) fn has_cron(&self) -> bool {
        matches!(self.service().every, Some(Every::Cron(_)))
    }

    /// Whether `every` lets this cycle run.
    pub(super) fn due(&mut self) -> bool {
        match &self.service().every {
            None => true,
            Some(Every::Cycles(n)) => (self.cycle - 1).is_multiple_of(u64::from(*n)),
            Some(Every::Cron(cron)) | Some(Every::NotCron(cron)) => {
                let not = matches!(self.service().every, Some(Every::NotCron(_)));
                let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                let minute = now / 60;
                let matches = cron.matches(cron_time(now));
                if not {
                    return !matches;
                }
                // Run at most once per matching minute.
                if matches && self.last_cron_minute != Some(minute) {
                    self.last_cron_minute = Some(minute);
                    true
                } else {
                    false
                }
            }
        }
    }
}

/// Sleeps until the next minute of the wall clock starts (never, when `enabled` is false).
pub(super) async fn next_minute(enabled: bool) {
    if !enabled {
        return std::future::pending().await;
    }
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let into_minute = Duration::from_millis((now.as_millis() % 60_000) as u64);
    // A little past the boundary, so the new minute is the one seen.
    tokio::time::sleep(Duration::from_secs(60) - into_minute + Duration::from_millis(5)).await;
}

/// The fields of a time for cron matching, in local time.
fn cron_time(epoch_secs: u64) -> CronTime {
    use chrono::{Datelike, Timelike};
    let time = chrono::DateTime::<chrono::Local>::from(SystemTime::UNIX_EPOCH + Duration::from_secs(epoch_secs));
    CronTime {
        minute: time.minute(),
        hour: time.hour(),
        day_of_month: time.day(),
        month: time.month(),
        day_of_week: time.weekday().num_days_from_sunday(),
    }
}
