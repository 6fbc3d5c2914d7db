//! One process-table snapshot per cycle, shared by every service that needs it (matching,
//! children, totals): the first to ask after the snapshot got old rescans, off the async
//! thread; the others reuse it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::procfs::table::ProcessTable;

/// A snapshot and when it was taken.
type Cached = Option<(Instant, Arc<ProcessTable>)>;

#[derive(Clone, Default)]
pub struct TableCache {
    // A tokio Mutex: held across the (blocking, offloaded) scan so that concurrent askers
    // wait for one scan instead of each doing their own.
    inner: Arc<Mutex<Cached>>,
    /// Whether a service matches command lines (else they are not read).
    cmdlines: bool,
}

impl TableCache {
    /// A cache whose scans read command lines only if `cmdlines` (a `matching` service).
    pub fn new(cmdlines: bool) -> TableCache {
        TableCache { inner: Arc::default(), cmdlines }
    }

    /// A snapshot at most `max_age` old.
    pub async fn get(&self, max_age: Duration) -> Arc<ProcessTable> {
        let mut guard = self.inner.lock().await;
        if let Some((at, table)) = guard.as_ref()
            && at.elapsed() <= max_age
        {
            return table.clone();
        }
        let scan = if self.cmdlines { ProcessTable::scan } else { ProcessTable::scan_without_cmdlines };
        let table = Arc::new(tokio::task::spawn_blocking(scan).await.unwrap_or_default());
        *guard = Some((Instant::now(), table.clone()));
        table
    }
}
