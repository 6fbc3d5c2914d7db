//! The observer of `check system`: the host's load, CPU, memory, swap, uptime and file
//! descriptors, with the CPU reading of the last cycle for the usage between the two.

use super::{Observe, Observing, Scope, Seen};
use crate::checks::judge::Observation;
use crate::checks::system::measure;
use crate::procfs::system::CpuTimes;
use crate::state::ServiceData;

/// The host's CPU reading of the last cycle.
#[derive(Default)]
pub struct SystemObserver {
    sample: Option<CpuTimes>,
}

impl SystemObserver {
    fn observe_system(&mut self, scope: Scope<'_>) -> Seen {
        let (data, data_error) = match measure(self.sample) {
            Ok((data, times)) => {
                self.sample = Some(times);
                (ServiceData::System(data), None)
            }
            // The figures of the last reading stay.
            Err(e) => (scope.data.clone(), Some(format!("cannot read system data: {e}"))),
        };
        let system = match &data {
            ServiceData::System(s) => Some(s),
            _ => None,
        };
        let obs = Observation { system, ..Observation::default() };
        let mut seen = Seen::judged(scope, &obs, ServiceData::None, data_error);
        seen.data = data;
        seen
    }
}

impl Observe for SystemObserver {
    fn observe<'a>(&'a mut self, scope: Scope<'a>) -> Observing<'a> {
        Box::pin(std::future::ready(self.observe_system(scope)))
    }
}
