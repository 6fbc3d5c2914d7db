//! The daemon's open-files limit. Each web connection is a descriptor, as are the control
//! socket's clients, the checks' sockets and the programs' pipes; the usual soft limit of
//! 1024 leaves little beside the web interface's 512. The daemon raises its soft limit to
//! the hard one at start (it polls with epoll, so high descriptor numbers cost nothing),
//! and gives the programs it starts the limit it was started with: a program written for
//! `select()` must not see descriptors above 1023 (see [`crate::exec::set_program_open_files`]).

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Raises the soft open-files limit to the hard one; programs get the limit from before.
/// A failure leaves the limit as it was, with a warning.
pub fn raise_open_files() {
    let inherited = getrlimit(Resource::Nofile);
    crate::exec::set_program_open_files(inherited);
    if inherited.current != inherited.maximum {
        let raised = Rlimit { current: inherited.maximum, maximum: inherited.maximum };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!("cannot raise the open-files limit from {:?}: {e}", inherited.current);
        }
    }
}
