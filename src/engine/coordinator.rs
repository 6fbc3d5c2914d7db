//! The coordinator carries out start, stop, restart, monitor and unmonitor with Monit's
//! dependency semantics (reference §2.4, §2.5, §2.7): parents start first; dependants are
//! stopped first and started again after a restart; `monitor` enables the parents,
//! `unmonitor` disables the dependants.
//!
//! Every request runs as its own task. It locks the services it touches, always in
//! configuration order, so requests on independent chains run in parallel and requests
//! on the same service queue up in arrival order: none is lost or overwritten.

use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};
use tracing::{info, warn};

use super::service::Command;
use crate::config::model::{Action, Config};

/// Why an action was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    User,
    Rule,
    RestartLimit,
}

/// One action on one service.
#[derive(Debug)]
pub struct Request {
    pub service: usize,
    pub action: Action,
    pub origin: Origin,
    /// Where the outcome goes, if someone waits for it.
    pub reply: Option<oneshot::Sender<Result<(), String>>>,
}

/// The dependency graph by service index.
#[derive(Debug, Clone)]
pub struct Graph {
    parents: Vec<Vec<usize>>,
    children: Vec<Vec<usize>>,
}

impl Graph {
    pub fn new(config: &Config) -> Graph {
        let n = config.services.len();
        let index = |name: &str| config.services.iter().position(|s| s.name.eq_ignore_ascii_case(name));
        let mut parents = vec![Vec::new(); n];
        let mut children = vec![Vec::new(); n];
        for (i, service) in config.services.iter().enumerate() {
            for dep in &service.depends {
                if let Some(p) = index(dep) {
                    parents[i].push(p);
                    children[p].push(i);
                }
            }
        }
        Graph { parents, children }
    }

    /// All ancestors, farthest first (the order to start them in).
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        self.walk(i, &self.parents, &mut out);
        out
    }

    /// All descendants, deepest first (the order to stop them in).
    pub fn descendants(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        self.walk(i, &self.children, &mut out);
        out
    }

    /// Post-order walk: for ancestors the farthest parent comes first.
    fn walk(&self, i: usize, edges: &[Vec<usize>], out: &mut Vec<usize>) {
        for &next in &edges[i] {
            if !out.contains(&next) && next != i {
                self.walk(next, edges, out);
                if !out.contains(&next) {
                    out.push(next);
                }
            }
        }
    }
}

/// Carries out requests.
pub struct Coordinator {
    graph: Graph,
    names: Vec<String>,
    services: Vec<mpsc::UnboundedSender<Command>>,
    locks: Vec<Arc<Mutex<()>>>,
}

impl Coordinator {
    pub fn new(config: &Config, services: Vec<mpsc::UnboundedSender<Command>>) -> Arc<Coordinator> {
        Arc::new(Coordinator {
            graph: Graph::new(config),
            names: config.services.iter().map(|s| s.name.clone()).collect(),
            locks: (0..services.len()).map(|_| Arc::new(Mutex::new(()))).collect(),
            services,
        })
    }

    /// Receives requests until the channel closes, each in a task of its own.
    pub async fn run(self: Arc<Self>, mut requests: mpsc::UnboundedReceiver<Request>) {
        while let Some(request) = requests.recv().await {
            let this = self.clone();
            tokio::spawn(async move {
                let result = this.execute(request.service, &request.action, request.origin).await;
                if let Some(reply) = request.reply {
                    let _ = reply.send(result);
                }
            });
        }
    }

    async fn execute(&self, service: usize, action: &Action, origin: Origin) -> Result<(), String> {
        let name = &self.names[service];
        if origin == Origin::User {
            info!(service = %name, "{} on user request", action.name());
        }
        let mut involved = vec![service];
        match action {
            Action::Start | Action::Monitor => involved.extend(self.graph.ancestors(service)),
            Action::Stop | Action::Unmonitor => involved.extend(self.graph.descendants(service)),
            Action::Restart => {
                involved.extend(self.graph.ancestors(service));
                involved.extend(self.graph.descendants(service));
            }
            _ => return Ok(()),
        }
        involved.sort_unstable();
        involved.dedup();
        // Locks in index order: no two requests can wait on each other.
        let mut guards = Vec::with_capacity(involved.len());
        for &i in &involved {
            guards.push(self.locks[i].clone().lock_owned().await);
        }
        let result = match action {
            Action::Start => self.start(service).await,
            Action::Stop => self.stop(service).await,
            Action::Restart => self.restart(service).await,
            Action::Monitor => self.monitor(service).await,
            Action::Unmonitor => self.unmonitor(service).await,
            _ => Ok(()),
        };
        drop(guards);
        if let Err(e) = &result {
            warn!(service = %name, "{} failed: {e}", action.name());
        }
        result
    }

    async fn send(
        &self,
        service: usize,
        make: impl FnOnce(oneshot::Sender<Result<(), String>>) -> Command,
    ) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.services[service].send(make(tx)).map_err(|_| "the service's task has ended".to_owned())?;
        rx.await.unwrap_or_else(|_| Err("the service's task has ended".to_owned()))
    }

    async fn is_up(&self, service: usize) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.services[service].send(Command::IsUp(tx)).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// Parents first (those not up), then the service.
    async fn start(&self, service: usize) -> Result<(), String> {
        for parent in self.graph.ancestors(service) {
            if !self.is_up(parent).await {
                self.send(parent, Command::Start)
                    .await
                    .map_err(|e| format!("could not start required service '{}': {e}", self.names[parent]))?;
            }
        }
        self.send(service, Command::Start).await
    }

    /// Dependants first, each stopped and unmonitored, then the service.
    async fn stop(&self, service: usize) -> Result<(), String> {
        for dependant in self.graph.descendants(service) {
            self.send(dependant, |reply| Command::Stop { keep_monitoring: false, reply }).await?;
        }
        self.send(service, |reply| Command::Stop { keep_monitoring: false, reply }).await
    }

    /// Dependants stopped (monitoring kept), the service restarted (parents started first
    /// if needed), then the dependants that were up started again.
    async fn restart(&self, service: usize) -> Result<(), String> {
        let dependants = self.graph.descendants(service);
        let mut were_up = Vec::new();
        for &d in &dependants {
            if self.is_up(d).await {
                were_up.push(d);
                self.send(d, |reply| Command::Stop { keep_monitoring: true, reply }).await?;
            }
        }
        for parent in self.graph.ancestors(service) {
            if !self.is_up(parent).await {
                self.send(parent, Command::Start).await?;
            }
        }
        self.send(service, Command::Restart).await?;
        for &d in dependants.iter().rev() {
            if were_up.contains(&d) {
                self.send(d, Command::Start).await?;
            }
        }
        Ok(())
    }

    /// The service and all its parents.
    async fn monitor(&self, service: usize) -> Result<(), String> {
        for parent in self.graph.ancestors(service) {
            self.send(parent, |reply| Command::SetMonitoring(true, reply)).await?;
        }
        self.send(service, |reply| Command::SetMonitoring(true, reply)).await
    }

    /// The service and all its dependants.
    async fn unmonitor(&self, service: usize) -> Result<(), String> {
        for dependant in self.graph.descendants(service) {
            self.send(dependant, |reply| Command::SetMonitoring(false, reply)).await?;
        }
        self.send(service, |reply| Command::SetMonitoring(false, reply)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_farthest_first_and_descendants_deepest_first() {
        // a -> b -> c -> d (a depends on b ...)
        let config = crate::config::load_str(
            "/x/monitrc",
            "check process a pidfile /a\n depends on b\ncheck process b pidfile /b\n depends on c\n\
             check process c pidfile /c\n depends on d\ncheck process d pidfile /d\n",
            crate::config::LoadOptions::default(),
        )
        .unwrap()
        .config;
        let g = Graph::new(&config);
        assert_eq!(g.ancestors(0), [3, 2, 1], "start order d, c, b before a");
        assert_eq!(g.descendants(3), [0, 1, 2], "stop order a, b, c before d");
        assert!(g.ancestors(3).is_empty());
    }
}
