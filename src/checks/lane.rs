//! A service's blocking file work (its pidfile, the file or filesystem it checks), run off
//! the async threads under a deadline, one job at a time. A read that hangs (a hung NFS
//! mount) costs its own service: the job's caller gets an error at the deadline, and while
//! the stuck thread has not come back every later job of the service fails at once, so one
//! bad path never piles up blocked threads nor delays any other service.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a service's pidfile may take to read (at every cycle, and while a start or
/// stop waits for its process) before the service counts it as blocked.
pub const PIDFILE_DEADLINE: Duration = Duration::from_secs(5);

/// One service's lane for blocking jobs.
#[derive(Debug, Clone, Default)]
pub struct BlockingLane {
    /// The job still running on its thread, if one is: what it does, and since when.
    busy: Arc<Mutex<Option<(String, Instant)>>>,
}

impl BlockingLane {
    /// Whether a job is still out on its thread (perhaps stuck).
    pub fn is_busy(&self) -> bool {
        self.busy.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Runs `job` on the blocking pool and waits for it up to `deadline`. `what` names the
    /// job in errors ("reading the pidfile /run/x.pid").
    pub async fn run<T: Send + 'static>(
        &self,
        what: &str,
        deadline: Duration,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        {
            let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((earlier, since)) = busy.as_ref() {
                return Err(format!("{earlier} has been blocked for {} s", since.elapsed().as_secs()));
            }
            *busy = Some((what.to_owned(), Instant::now()));
        }
        let busy = Arc::clone(&self.busy);
        let handle = tokio::task::spawn_blocking(move || {
            let result = job();
            *busy.lock().unwrap_or_else(|p| p.into_inner()) = None;
            result
        });
        match tokio::time::timeout(deadline, handle).await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(e)) => {
                *self.busy.lock().unwrap_or_else(|p| p.into_inner()) = None;
                Err(format!("{what} failed: {e}"))
            }
            Err(_) => Err(format!("{what} did not finish within {} s", deadline.as_secs_f64())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hung_job_fails_at_its_deadline_and_blocks_only_its_lane() {
        let lane = BlockingLane::default();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hung = lane.run("reading /hung", Duration::from_millis(50), move || {
            let _ = hold.recv();
        });
        assert_eq!(hung.await.unwrap_err(), "reading /hung did not finish within 0.05 s");
        let refused = lane.run("reading /hung again", Duration::from_secs(5), || 1).await.unwrap_err();
        assert!(refused.starts_with("reading /hung has been blocked for "), "{refused}");
        assert_eq!(BlockingLane::default().run("other", Duration::from_secs(5), || 2).await, Ok(2));
        release.send(()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match lane.run("reading /hung", Duration::from_secs(5), || 3).await {
                Ok(value) => break assert_eq!(value, 3),
                Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(5)).await,
                Err(e) => panic!("the lane stayed busy: {e}"),
            }
        }
    }
}
