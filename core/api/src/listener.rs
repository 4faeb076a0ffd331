//! The HTTP listener: poem's TCP acceptor with Nagle's algorithm turned off on every
//! connection. A websocket event or a short response is one small write; with Nagle on, it
//! waits for the peer to acknowledge the previous one, and peers delay acknowledgements by
//! up to 40 ms.

use std::io;

use poem::http::uri::Scheme;
use poem::listener::{Acceptor, TcpAcceptor};
use poem::web::{LocalAddr, RemoteAddr};
use tokio::net::{TcpListener, TcpStream};

/// Accepts TCP connections for the API and sends each one's writes without delay.
pub struct Listener {
    inner: TcpAcceptor,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("local_addr", &self.inner.local_addr())
            .finish()
    }
}

impl Listener {
    /// Serve the connections `listener` accepts.
    pub fn from_tokio(listener: TcpListener) -> io::Result<Listener> {
        Ok(Listener {
            inner: TcpAcceptor::from_tokio(listener)?,
        })
    }
}

impl Acceptor for Listener {
    type Io = TcpStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(TcpStream, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.inner.accept().await?;
        if let Err(e) = io.set_nodelay(true) {
            // The connection still works, only its small writes may wait.
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        Ok((io, local, remote, scheme))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_send_without_delay() {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let mut listener = Listener::from_tokio(tcp).unwrap();
        let client = tokio::spawn(TcpStream::connect(addr));
        let (io, ..) = listener.accept().await.unwrap();
        assert!(io.nodelay().unwrap());
        client.await.unwrap().unwrap();
    }
}
