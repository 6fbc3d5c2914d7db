//! `/_events/stream`: Server-Sent Events that push status changes to open pages. Every half
//! second the stream looks at the board's generation; when it moved, the services whose
//! status text changed since the last message are sent as one `status` event (JSON:
//! name, status text, CSS class). A comment every 15 s keeps proxies from closing it.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Serialize;

use super::layout::status_class;
use crate::http::AppState;
use crate::state::report;

/// How often the board is looked at.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Serialize, PartialEq)]
struct Update {
    name: String,
    status: String,
    class: &'static str,
}

struct Watch {
    state: AppState,
    generation: Option<u64>,
    sent: HashMap<String, (String, &'static str)>,
}

impl Watch {
    /// The updates since the last call (every service the first time).
    fn changes(&mut self) -> Vec<Update> {
        let board = self.state.engine().board().clone();
        let generation = board.generation();
        if self.generation == Some(generation) {
            return Vec::new();
        }
        self.generation = Some(generation);
        let snapshot = board.snapshot();
        let mut updates = Vec::new();
        for service in &snapshot.services {
            let now = (report::status_text(service), status_class(service));
            if self.sent.get(&service.name) != Some(&now) {
                updates.push(Update { name: service.name.clone(), status: now.0.clone(), class: now.1 });
                self.sent.insert(service.name.clone(), now);
            }
        }
        updates
    }
}

pub async fn stream(State(state): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let watch = Watch { state, generation: None, sent: HashMap::new() };
    let events = stream::unfold(watch, |mut watch| async move {
        loop {
            let updates = watch.changes();
            if !updates.is_empty() {
                let data = serde_json::to_string(&updates).unwrap_or_else(|_| "[]".to_owned());
                return Some((Ok(Event::default().event("status").data(data)), watch));
            }
            tokio::time::sleep(POLL).await;
        }
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
