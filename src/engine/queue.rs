//! The action queue of one service: jobs run one at a time in arrival order, and a request
//! identical to the job waiting last in line joins it instead of queueing again (both
//! callers get its outcome). A job that is already running is never joined: a request that
//! arrives after the action started gets a run of its own. Pure data; the coordinator
//! runs the jobs.

use std::collections::VecDeque;
use std::time::SystemTime;

use tokio::sync::oneshot;

use super::coordinator::Origin;
use crate::config::model::Action;

/// Where the outcome of a job goes.
pub type Reply = oneshot::Sender<Result<(), String>>;

/// One action waiting or running for a service.
#[derive(Debug)]
pub struct Job {
    pub action: Action,
    pub origin: Origin,
    /// For `unmonitor --for`: when monitoring comes back by itself.
    pub until: Option<SystemTime>,
    /// Everyone waiting for the outcome (several when requests were joined).
    pub replies: Vec<Reply>,
    /// Every origin joined into this job after the first, for the audit trail.
    pub joined: Vec<Origin>,
    pub running: bool,
    /// For a restart asked together with one of the service's ancestors (`-g group
    /// restart`): that ancestor, whose restart restarts this service as its dependant.
    pub along_with: Option<usize>,
}

impl Job {
    pub fn new(action: Action, origin: Origin, until: Option<SystemTime>, reply: Option<Reply>) -> Job {
        Job {
            action,
            origin,
            until,
            replies: reply.into_iter().collect(),
            joined: Vec::new(),
            running: false,
            along_with: None,
        }
    }

    /// The job of a restart asked together with the ancestor `ancestor`'s.
    pub fn along_with(mut self, ancestor: Option<usize>) -> Job {
        self.along_with = ancestor;
        self
    }

    /// Whether a new request would do exactly what this job does.
    fn same_as(&self, other: &Job) -> bool {
        self.action == other.action
            && self.until == other.until
            && self.origin.is_user() == other.origin.is_user()
            && self.along_with == other.along_with
    }
}

/// What the job that starts running is to do (see [`Job`]).
#[derive(Debug, Clone)]
pub struct Next {
    pub action: Action,
    pub origin: Origin,
    pub until: Option<SystemTime>,
    pub along_with: Option<usize>,
}

/// What `push` did with a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// The queue was empty: nobody runs it yet, the caller must start a worker.
    First,
    /// Behind other jobs; the worker already running will reach it.
    Behind,
    /// Joined the identical job waiting last in line.
    Joined,
}

/// The jobs of one service, the running one first.
#[derive(Debug, Default)]
pub struct ServiceQueue {
    jobs: VecDeque<Job>,
}

impl ServiceQueue {
    /// Adds a job at the end, or joins it to an identical one waiting last in line.
    pub fn push(&mut self, mut job: Job) -> Queued {
        if let Some(last) = self.jobs.back_mut()
            && !last.running
            && last.same_as(&job)
        {
            last.replies.append(&mut job.replies);
            // Of two rules' requests the job keeps the later one's view of the service.
            let origin = match (&last.origin, &job.origin) {
                (Origin::Rule { .. }, Origin::Rule { .. }) => std::mem::replace(&mut last.origin, job.origin),
                _ => job.origin,
            };
            last.joined.push(origin);
            return Queued::Joined;
        }
        self.jobs.push_back(job);
        if self.jobs.len() == 1 { Queued::First } else { Queued::Behind }
    }

    /// Marks the first job running and returns what it is to do.
    pub fn start_next(&mut self) -> Option<Next> {
        let job = self.jobs.front_mut()?;
        job.running = true;
        Some(Next {
            action: job.action.clone(),
            origin: job.origin.clone(),
            until: job.until,
            along_with: job.along_with,
        })
    }

    /// Removes the running job, returning it (with everyone waiting for it).
    pub fn finish(&mut self) -> Option<Job> {
        self.jobs.pop_front()
    }

    /// The action shown as pending: the running job's, else the first waiting one's.
    pub fn pending(&self) -> Option<&Action> {
        self.jobs.front().map(|j| &j.action)
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::coordinator::Requester;

    fn user(who: &str) -> Origin {
        Origin::User(Requester { who: who.to_owned(), from: "unix socket".to_owned() })
    }

    #[test]
    fn jobs_run_in_arrival_order_and_only_the_first_needs_a_worker() {
        let mut q = ServiceQueue::default();
        assert_eq!(q.push(Job::new(Action::Unmonitor, user("a"), None, None)), Queued::First);
        assert_eq!(q.push(Job::new(Action::Monitor, user("a"), None, None)), Queued::Behind);
        assert_eq!(q.push(Job::new(Action::Unmonitor, user("a"), None, None)), Queued::Behind);
        let order: Vec<Action> = std::iter::from_fn(|| {
            q.start_next()?;
            q.finish().map(|j| j.action)
        })
        .collect();
        assert_eq!(order, [Action::Unmonitor, Action::Monitor, Action::Unmonitor]);
        assert!(q.is_empty());
    }

    #[test]
    fn an_identical_waiting_request_is_joined_and_both_get_the_outcome() {
        let mut q = ServiceQueue::default();
        q.push(Job::new(Action::Stop, user("a"), None, None));
        q.start_next();
        let (tx1, mut rx1) = oneshot::channel();
        let (tx2, mut rx2) = oneshot::channel();
        assert_eq!(q.push(Job::new(Action::Restart, user("a"), None, Some(tx1))), Queued::Behind);
        assert_eq!(q.push(Job::new(Action::Restart, user("b"), None, Some(tx2))), Queued::Joined);
        assert_eq!(q.len(), 2);
        q.finish();
        q.start_next();
        let job = q.finish().unwrap();
        assert_eq!(job.joined, [user("b")]);
        for reply in job.replies {
            reply.send(Ok(())).unwrap();
        }
        assert_eq!(rx1.try_recv(), Ok(Ok(())));
        assert_eq!(rx2.try_recv(), Ok(Ok(())));
    }

    #[test]
    fn a_running_job_and_a_different_request_are_never_joined() {
        let mut q = ServiceQueue::default();
        q.push(Job::new(Action::Restart, user("a"), None, None));
        q.start_next();
        assert_eq!(q.push(Job::new(Action::Restart, user("a"), None, None)), Queued::Behind, "already running");
        assert_eq!(q.push(Job::new(Action::Monitor, user("a"), None, None)), Queued::Behind);
        assert_eq!(q.push(Job::new(Action::Restart, user("a"), None, None)), Queued::Behind, "not the last in line");
        assert_eq!(
            q.push(Job::new(Action::Restart, Origin::Rule { after: 0 }, None, None)),
            Queued::Behind,
            "a rule's is not a user's"
        );
        let later = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(60);
        q.push(Job::new(Action::Unmonitor, user("a"), None, None));
        assert_eq!(
            q.push(Job::new(Action::Unmonitor, user("a"), Some(later), None)),
            Queued::Behind,
            "another deadline"
        );
        assert_eq!(q.len(), 7);
        assert_eq!(q.pending(), Some(&Action::Restart));
    }
}
