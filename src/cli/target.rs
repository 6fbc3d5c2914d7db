//! The daemon a CLI verb talks to: its control socket, read fast from the control file
//! ([`config::client_view`]), and the full load only when needed: when the fast pass cannot
//! tell, when a verb needs the services (`-g`, an action carried out without a daemon), or
//! when nothing answers on the socket found fast (then the full load has the last word,
//! with the control file's errors if it has any).

use std::path::PathBuf;
use std::time::Duration;

use super::Cli;
use crate::config::client_view::{ClientView, client_view};
use crate::config::{self, Config, LoadOptions};
use crate::control::client::{self, Answer, ClientError};

pub(super) struct Target {
    path: PathBuf,
    view: ClientView,
    config: Option<Config>,
}

impl Target {
    pub(super) fn find(cli: &Cli) -> Result<Target, String> {
        let path = config::find_control_file(cli.conf.as_deref())?;
        match client_view(&path) {
            Some(view) => Ok(Target { path, view, config: None }),
            None => {
                let config = load(&path)?;
                Ok(Target { path, view: ClientView::of(&config), config: Some(config) })
            }
        }
    }

    /// `set terminal batch`.
    pub(super) fn terminal_batch(&self) -> bool {
        self.view.terminal_batch
    }

    /// The whole configuration, loaded on first use.
    pub(super) fn config(&mut self) -> Result<&Config, String> {
        if self.config.is_none() {
            let config = load(&self.path)?;
            self.view = ClientView::of(&config);
            self.config = Some(config);
        }
        Ok(self.config.as_ref().expect("just loaded"))
    }

    /// The whole configuration, owned.
    pub(super) fn into_config(mut self) -> Result<Config, String> {
        self.config()?;
        Ok(self.config.expect("just loaded"))
    }

    /// POSTs a form to the daemon. When nothing answers on a socket found by the fast
    /// pass, the control file is loaded in full and its socket, if another, is tried.
    pub(super) fn post(&mut self, path: &str, form: &[(&str, &str)], timeout: Duration) -> Result<Answer, ClientError> {
        let answer = client::post(&self.view.socket, path, form, timeout);
        if answer != Err(ClientError::NotRunning) || self.config.is_some() {
            return answer;
        }
        let fast = self.view.socket.clone();
        self.config().map_err(ClientError::Failed)?;
        if self.view.socket == fast {
            return answer;
        }
        client::post(&self.view.socket, path, form, timeout)
    }
}

fn load(path: &std::path::Path) -> Result<Config, String> {
    config::load(path, LoadOptions::default()).map(|loaded| loaded.config).map_err(|e| e.to_string())
}
