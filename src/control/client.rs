//! The CLI's side of the control socket: one HTTP/1.1 request over the unix socket under a
//! deadline, blocking and runtime-free for the plain verbs ([`post`]); `post_streaming`
//! (hyper, async) hands the body over as it comes and returns the trailers (a custom
//! action's output and exit code).

use std::path::Path;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;

/// An answer: the status code and the body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Why no answer came; its text is the line the CLI prints for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens: the daemon is not running.
    #[error("rmonit: the rmonit daemon is not running")]
    NotRunning,
    #[error("rmonit: {0}")]
    Failed(String),
}

/// Connects, sends a form POST and returns the response with its body unread.
async fn send(
    socket: &Path,
    path: &str,
    form: &[(&str, &str)],
    trailers: bool,
) -> Result<hyper::Response<hyper::body::Incoming>, ClientError> {
    let stream = UnixStream::connect(socket).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => ClientError::NotRunning,
        _ => ClientError::Failed(format!("cannot connect to {}: {e}", socket.display())),
    })?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| ClientError::Failed(e.to_string()))?;
    tokio::spawn(connection);
    let body = form_body(form);
    let mut request = hyper::Request::post(path)
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded");
    if trailers {
        request = request.header("te", "trailers");
    }
    let request = request.body(Full::new(Bytes::from(body))).map_err(|e| ClientError::Failed(e.to_string()))?;
    sender.send_request(request).await.map_err(|e| ClientError::Failed(e.to_string()))
}

/// A streamed answer once its body has ended: the status, the trailers (empty when none
/// came) and, for an error status, the body text (which then was not streamed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamedAnswer {
    pub status: u16,
    pub trailers: hyper::HeaderMap,
    pub error_body: String,
}

/// POSTs a form and passes each piece of a successful answer's body to `on_data` as it
/// arrives; the whole exchange under `timeout`.
pub async fn post_streaming(
    socket: &Path,
    path: &str,
    form: &[(&str, &str)],
    timeout: Duration,
    mut on_data: impl FnMut(&[u8]),
) -> Result<StreamedAnswer, ClientError> {
    let exchange = async {
        let response = send(socket, path, form, true).await?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut trailers = hyper::HeaderMap::new();
        let mut error_body = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| ClientError::Failed(e.to_string()))?;
            match frame.into_data() {
                Ok(data) if status < 300 => on_data(&data),
                Ok(data) => error_body.extend_from_slice(&data),
                Err(frame) => {
                    if let Ok(t) = frame.into_trailers() {
                        trailers = t;
                    }
                }
            }
        }
        let error_body = plain_error(&String::from_utf8_lossy(&error_body), socket);
        Ok(StreamedAnswer { status, trailers, error_body })
    };
    tokio::time::timeout(timeout, exchange).await.unwrap_or_else(|_| {
        Err(ClientError::Failed(format!("no end of the answer from the daemon within {} s", timeout.as_secs())))
    })
}

/// POSTs a form to the daemon and returns its answer; blocking, without a runtime
/// ([`super::wire`]), so that the CLI's read and action verbs start fast.
pub fn post(socket: &Path, path: &str, form: &[(&str, &str)], timeout: Duration) -> Result<Answer, ClientError> {
    use super::wire::{self, WireError};
    let (status, bytes) = wire::post(socket, path, &form_body(form), timeout).map_err(|e| match e {
        WireError::NotListening => ClientError::NotRunning,
        WireError::TimedOut => ClientError::Failed(format!("no answer from the daemon within {} s", timeout.as_secs())),
        WireError::Failed(message) => ClientError::Failed(message),
    })?;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let body = if status >= 300 && status != 302 { plain_error(&body, socket) } else { body };
    Ok(Answer { status, body })
}

/// The text of an error answer. Monit's HTML error page (which rmonit's listeners send
/// over TCP, and Monit's own daemon everywhere) becomes its message, the text after
/// `</h2>` up to the next tag, as Monit's CLI prints it; a page signed by Monit itself says that Monit, not
/// rmonit, answers on the socket (a migration with the old daemon still running).
fn plain_error(body: &str, socket: &Path) -> String {
    let Some((_, rest)) = body.split_once("</h2>") else { return body.to_owned() };
    // Up to the next tag: `<p>` on rmonit's and most of Monit's pages, `<hr>` on some.
    let message = rest.split('<').next().unwrap_or_default().trim();
    let message = message
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let signature = body.rsplit("<font size=-1>").next().unwrap_or_default();
    if signature.starts_with("monit ") {
        format!(
            "{message}\n(the daemon on {} is Monit, not rmonit: stop it before rmonit takes over)\n",
            socket.display()
        )
    } else {
        format!("{message}\n")
    }
}

/// An `application/x-www-form-urlencoded` body.
fn form_body(form: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_pages_become_their_message() {
        let socket = std::path::Path::new("/run/monit.sock");
        let page = |sign: &str| {
            format!(
                "<html><head><title>404 Not Found</title></head><body bgcolor=#FFFFFF><h2>Not Found</h2>\
                 There is no service named &quot;web&quot;<p><hr><a href='https://mmonit.com/monit/'>\
                 <font size=-1>{sign}</font></a></body></html>\r\n"
            )
        };
        assert_eq!(super::plain_error(&page("rmonit 0.1.0"), socket), "There is no service named \"web\"\n");
        assert_eq!(
            super::plain_error(&page("monit 5.33.0"), socket),
            "There is no service named \"web\"\n(the daemon on /run/monit.sock is Monit, not rmonit: stop it before rmonit takes over)\n"
        );
        assert_eq!(super::plain_error("a plain answer\n", socket), "a plain answer\n");
    }

    #[test]
    fn form_encoding() {
        assert_eq!(super::form_body(&[("service", "web srv/1&x=y"), ("a", "b")]), "service=web+srv%2F1%26x%3Dy&a=b");
    }
}
