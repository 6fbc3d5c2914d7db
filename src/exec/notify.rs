//! The readiness protocol of systemd (`sd_notify(3)`) spoken to the programs rmonit starts:
//! a start or restart program written `with ready notification` gets a `NOTIFY_SOCKET` of
//! rmonit's own, and counts as started when it sends `READY=1`, as a `Type=notify` unit does
//! under systemd. A daemon that links libsystemd, or calls `systemd-notify --ready`, needs
//! no change.
//!
//! The socket is a datagram socket in the abstract namespace (`@rmonit/notify/PID/N`), so a
//! program running as another user can reach it without a file to own. The kernel tells who
//! sent each datagram (`SO_PASSCRED`); only root and the user the program runs as are heard,
//! so no other account can declare a service started. Besides `READY=1`, `STATUS=` is kept
//! (it is named when the start fails) and `EXTEND_TIMEOUT_USEC=` pushes the deadline, as in
//! systemd; other fields are read and ignored.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::AsFd;
use std::os::linux::net::SocketAddrExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};

/// The largest datagram read; systemd's limit is the same order.
const MAX_DATAGRAM: usize = 4096;

static NEXT_SOCKET: AtomicU64 = AtomicU64::new(1);

/// A notification socket for one start.
pub struct NotifySocket {
    socket: tokio::net::UnixDatagram,
    name: String,
    /// The only senders heard besides root.
    uid: u32,
    /// A dropped datagram is logged once per socket (another user could send many).
    warned: AtomicBool,
}

/// What a program reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notification {
    pub ready: bool,
    pub status: Option<String>,
    /// `EXTEND_TIMEOUT_USEC`: the start needs this much longer from now.
    pub extend: Option<Duration>,
}

impl NotifySocket {
    /// Binds a fresh socket that hears root and `uid` (the user the program runs as).
    pub fn bind(uid: u32) -> io::Result<NotifySocket> {
        let name = format!("rmonit/notify/{}/{}", std::process::id(), NEXT_SOCKET.fetch_add(1, Ordering::Relaxed));
        let address = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
        let socket = std::os::unix::net::UnixDatagram::bind_addr(&address)?;
        rustix::net::sockopt::set_socket_passcred(socket.as_fd(), true)?;
        socket.set_nonblocking(true)?;
        Ok(NotifySocket {
            socket: tokio::net::UnixDatagram::from_std(socket)?,
            name,
            uid,
            warned: AtomicBool::new(false),
        })
    }

    /// The value of `NOTIFY_SOCKET` for the program.
    pub fn address(&self) -> String {
        format!("@{}", self.name)
    }

    /// The next notification from a sender that may speak for the program; datagrams of
    /// other users are dropped (the first one logged).
    pub async fn recv(&self) -> io::Result<Notification> {
        loop {
            self.socket.readable().await?;
            match self.socket.try_io(tokio::io::Interest::READABLE, || self.recv_now()) {
                Ok(Some(notification)) => return Ok(notification),
                Ok(None) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// One datagram: `None` when its sender is not heard.
    fn recv_now(&self) -> io::Result<Option<Notification>> {
        let mut data = [0u8; MAX_DATAGRAM];
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmCredentials(1))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let mut slices = [io::IoSliceMut::new(&mut data)];
        let received = rustix::net::recvmsg(&self.socket, &mut slices, &mut control, RecvFlags::CMSG_CLOEXEC)?;
        let sender = control.drain().find_map(|m| match m {
            RecvAncillaryMessage::ScmCredentials(creds) => Some(creds),
            _ => None,
        });
        let Some(sender) = sender else { return Ok(None) };
        let uid = sender.uid.as_raw();
        if uid != 0 && uid != self.uid {
            if self.warned.swap(true, Ordering::Relaxed) {
                return Ok(None);
            }
            tracing::warn!(
                "readiness socket {}: a notification from pid {} (uid {uid}) dropped: only root and uid {} may send (further ones are dropped silently)",
                self.address(),
                sender.pid.as_raw_nonzero(),
                self.uid
            );
            return Ok(None);
        }
        Ok(Some(parse(&data[..received.bytes.min(MAX_DATAGRAM)])))
    }
}

/// Reads `KEY=value` lines.
pub fn parse(datagram: &[u8]) -> Notification {
    let text = String::from_utf8_lossy(datagram);
    let mut notification = Notification::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else { continue };
        match key {
            "READY" => notification.ready |= value == "1",
            "STATUS" => notification.status = Some(crate::escape::control_chars(value).into_owned()),
            "EXTEND_TIMEOUT_USEC" => notification.extend = value.parse().ok().map(Duration::from_micros),
            _ => {}
        }
    }
    notification
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_as_systemd_reads_them() {
        let n = parse(b"STATUS=loading cache\nEXTEND_TIMEOUT_USEC=5000000\nMAINPID=12\n");
        assert_eq!(
            n,
            Notification { ready: false, status: Some("loading cache".into()), extend: Some(Duration::from_secs(5)) }
        );
        assert!(parse(b"READY=1").ready);
        assert!(!parse(b"READY=0\nbogus").ready);
        assert_eq!(parse(b"STATUS=a\x1b[2Jb").status.as_deref(), Some("a\\x1b[2Jb"));
    }

    #[tokio::test]
    async fn a_datagram_of_the_heard_user_is_received() {
        let me = rustix::process::getuid().as_raw();
        let socket = NotifySocket::bind(me).unwrap();
        assert!(socket.address().starts_with("@rmonit/notify/"));
        let sender = std::os::unix::net::UnixDatagram::unbound().unwrap();
        let name = socket.address();
        let address = std::os::unix::net::SocketAddr::from_abstract_name(&name.as_bytes()[1..]).unwrap();
        sender.send_to_addr(b"STATUS=warming up", &address).unwrap();
        sender.send_to_addr(b"READY=1", &address).unwrap();
        let first = tokio::time::timeout(Duration::from_secs(5), socket.recv()).await.unwrap().unwrap();
        assert_eq!(first.status.as_deref(), Some("warming up"));
        let second = tokio::time::timeout(Duration::from_secs(5), socket.recv()).await.unwrap().unwrap();
        assert!(second.ready);
    }
}
