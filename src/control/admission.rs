//! Who gets a connection to the web interface, and who loses one: a flood costs the
//! flooder, not the users. The table of open connections knows each one's client (an IPv4
//! address, or the /64 of an IPv6 one, since one host holds a whole /64), whether it has
//! completed an authenticated request, whether a request is in progress on it, and how
//! long it has been quiet.
//!
//! - A client holds at most [`MAX_PER_CLIENT`] connections. Its next one closes its own
//!   quietest connection that never authenticated; when all of them did, the new one is
//!   refused.
//! - The listener holds at most [`MAX_CONNECTIONS`]. When it is full, a new connection
//!   closes one that never authenticated, taken from the client that holds the most
//!   connections; idle before busy, then the quietest. Only when every open connection has
//!   authenticated is the new one refused.
//!
//! So a connection that has completed an authenticated request is never closed to make
//! room, and a new client always gets in while someone else holds unauthenticated ones.
//! Loopback is one client like any other.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_util::sync::CancellationToken;

/// Connections served at once by one listener.
pub const MAX_CONNECTIONS: usize = 512;
/// Connections one client (address, or IPv6 /64) may hold at once. A browser opens six per
/// server; this leaves room for a handful of browsers and scripts behind one address.
pub const MAX_PER_CLIENT: usize = 64;

/// Where connections come from, as far as limits go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    V4(std::net::Ipv4Addr),
    /// The first 64 bits of an IPv6 address.
    V6Net(u64),
}

impl Client {
    pub fn of(ip: IpAddr) -> Client {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Client::V4(v4),
            IpAddr::V6(v6) => Client::V6Net((v6.to_bits() >> 64) as u64),
        }
    }
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Client::V4(ip) => write!(f, "{ip}"),
            Client::V6Net(net) => write!(f, "{}/64", std::net::Ipv6Addr::from_bits(u128::from(*net) << 64)),
        }
    }
}

/// The two limits of a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub total: usize,
    pub per_client: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { total: MAX_CONNECTIONS, per_client: MAX_PER_CLIENT }
    }
}

/// Which limit a new connection met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// Its client holds [`Limits::per_client`] connections.
    Client,
    /// The listener holds [`Limits::total`].
    Listener,
}

/// A connection closed to make room for a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eviction {
    /// The client that lost it.
    pub client: Client,
    pub full: Full,
}

/// A new connection let in, and the one closed for it, if any.
#[derive(Debug)]
pub struct Admitted {
    pub ticket: Ticket,
    pub evicted: Option<Eviction>,
}

/// The connection table of one listener.
#[derive(Debug)]
pub struct Admission {
    limits: Limits,
    // A std Mutex: every section is a lookup or a scan of at most `limits.total` entries,
    // never held across an await.
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    /// Increases with every admission and every finished request: the age order.
    clock: u64,
    open: HashMap<u64, Entry>,
    per_client: HashMap<Client, usize>,
}

#[derive(Debug)]
struct Entry {
    client: Client,
    /// When it was last active (admitted, or a request finished), on the table's clock.
    quiet_since: u64,
    /// It has completed an authenticated request.
    trusted: bool,
    /// A request is in progress.
    busy: bool,
    evict: CancellationToken,
}

impl Admission {
    pub fn new(limits: Limits) -> Arc<Admission> {
        Arc::new(Admission { limits, table: Mutex::default() })
    }

    /// Lets a new connection from `client` in, closing another if a limit says so, or
    /// refuses it.
    pub fn admit(self: &Arc<Self>, client: Client) -> Result<Admitted, Full> {
        let mut table = self.lock();
        let held = table.per_client.get(&client).copied().unwrap_or(0);
        let full = if held >= self.limits.per_client {
            Some(Full::Client)
        } else if table.open.len() >= self.limits.total {
            Some(Full::Listener)
        } else {
            None
        };
        let evicted = match full {
            None => None,
            Some(full) => {
                let only = (full == Full::Client).then_some(client);
                let Some(id) = table.victim(only) else { return Err(full) };
                let client = table.remove(id).map_or(client, |entry| {
                    entry.evict.cancel();
                    entry.client
                });
                Some(Eviction { client, full })
            }
        };
        table.clock += 1;
        let id = table.clock;
        let evict = CancellationToken::new();
        let entry = Entry { client, quiet_since: id, trusted: false, busy: false, evict: evict.clone() };
        table.open.insert(id, entry);
        *table.per_client.entry(client).or_default() += 1;
        Ok(Admitted { ticket: Ticket { id, admission: Arc::clone(self), evict }, evicted })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.lock().open.len()
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Table {
    /// The connection to close: never one that authenticated; from `only`, or else from
    /// the client holding the most; idle before busy; the longest quiet.
    fn victim(&self, only: Option<Client>) -> Option<u64> {
        self.open
            .iter()
            .filter(|(_, e)| !e.trusted && only.is_none_or(|c| c == e.client))
            .max_by_key(|(_, e)| (self.per_client.get(&e.client).copied(), !e.busy, Reverse(e.quiet_since)))
            .map(|(id, _)| *id)
    }

    fn remove(&mut self, id: u64) -> Option<Entry> {
        let entry = self.open.remove(&id)?;
        if let Some(count) = self.per_client.get_mut(&entry.client) {
            *count -= 1;
            if *count == 0 {
                self.per_client.remove(&entry.client);
            }
        }
        Some(entry)
    }
}

/// One admitted connection; its place in the table is freed when it is dropped.
#[derive(Debug)]
pub struct Ticket {
    id: u64,
    admission: Arc<Admission>,
    evict: CancellationToken,
}

impl Ticket {
    /// Cancelled when the connection was closed to make room: its task ends it.
    pub fn evicted(&self) -> CancellationToken {
        self.evict.clone()
    }

    /// A request arrived (its head is complete).
    pub fn request_started(&self) {
        if let Some(entry) = self.admission.lock().open.get_mut(&self.id) {
            entry.busy = true;
        }
    }

    /// A request was answered; `authenticated` when its caller proved who they are, which
    /// keeps the connection from ever being closed to make room.
    pub fn request_done(&self, authenticated: bool) {
        let mut table = self.admission.lock();
        table.clock += 1;
        let now = table.clock;
        if let Some(entry) = table.open.get_mut(&self.id) {
            entry.busy = false;
            entry.trusted |= authenticated;
            entry.quiet_since = now;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admission.lock().remove(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(last: u8) -> Client {
        Client::of(IpAddr::from([10, 0, 0, last]))
    }

    fn limits(total: usize, per_client: usize) -> Arc<Admission> {
        Admission::new(Limits { total, per_client })
    }

    #[test]
    fn clients_are_addresses_and_ipv6_slash_64s() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Client::of(a), Client::of(b));
        assert_ne!(Client::of(a), Client::of(c));
        assert_eq!(Client::of(a).to_string(), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(Client::of(mapped), Client::of(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(Client::of(mapped).to_string(), "127.0.0.1");
    }

    #[test]
    fn a_client_at_its_limit_loses_its_own_quietest_connection() {
        let table = limits(100, 3);
        let first = table.admit(client(1)).unwrap().ticket;
        let second = table.admit(client(1)).unwrap().ticket;
        let third = table.admit(client(1)).unwrap().ticket;
        let other = table.admit(client(2)).unwrap().ticket;
        second.request_started();
        second.request_done(false);
        let fourth = table.admit(client(1)).unwrap();
        assert_eq!(fourth.evicted, Some(Eviction { client: client(1), full: Full::Client }));
        assert!(first.evicted().is_cancelled(), "the quietest goes");
        assert!(!second.evicted().is_cancelled() && !third.evicted().is_cancelled());
        assert!(!other.evicted().is_cancelled(), "another client's are not touched");
        assert_eq!(table.open(), 4);
        drop(first);
        assert_eq!(table.open(), 4, "an evicted ticket was already taken off the table");
    }

    #[test]
    fn authenticated_connections_are_never_evicted() {
        let table = limits(100, 2);
        let a = table.admit(client(1)).unwrap().ticket;
        let b = table.admit(client(1)).unwrap().ticket;
        for ticket in [&a, &b] {
            ticket.request_started();
            ticket.request_done(true);
        }
        assert_eq!(table.admit(client(1)).unwrap_err(), Full::Client);
        assert!(!a.evicted().is_cancelled() && !b.evicted().is_cancelled());
        drop(a);
        assert!(table.admit(client(1)).unwrap().evicted.is_none(), "a closed one frees its place");
    }

    #[test]
    fn a_full_listener_takes_from_the_client_holding_most_idle_before_busy() {
        let table = limits(5, 10);
        let small = table.admit(client(1)).unwrap().ticket;
        let big: Vec<Ticket> = (0..4).map(|_| table.admit(client(2)).unwrap().ticket).collect();
        big[0].request_started();
        let admitted = table.admit(client(3)).unwrap();
        assert_eq!(admitted.evicted, Some(Eviction { client: client(2), full: Full::Listener }));
        assert!(!big[0].evicted().is_cancelled(), "busy: kept while an idle one is there");
        assert!(big[1].evicted().is_cancelled(), "the quietest idle one of the biggest client");
        assert!(!small.evicted().is_cancelled());
        // Only trusted connections left besides the busy one: the busy one goes next.
        for ticket in [&small, &big[2], &big[3]] {
            ticket.request_done(true);
        }
        admitted.ticket.request_done(true);
        let next = table.admit(client(4)).unwrap();
        assert!(big[0].evicted().is_cancelled());
        next.ticket.request_done(true);
        assert_eq!(table.admit(client(5)).unwrap_err(), Full::Listener, "everyone left authenticated");
    }
}
