//! The observer of `check host`: a host has no figures of its own; its connection and
//! ping tests (`checks::network`) are all it is checked by.

use super::{Observe, Observing, Scope, Seen};
use crate::checks::judge::Observation;

/// A remote host: nothing kept between cycles.
pub struct HostObserver;

impl Observe for HostObserver {
    fn observe<'a>(&'a mut self, scope: Scope<'a>) -> Observing<'a> {
        let seen = Seen::judged(scope, &Observation::default(), scope.data.clone(), None);
        Box::pin(std::future::ready(seen))
    }
}
