//! Running the server: the stations, the router, a loopback listener (another
//! address needs `allow_remote` and a TLS proxy in front), the bound address printed
//! on standard output, and a graceful shutdown on SIGTERM or Ctrl-C that lets the
//! requests in flight finish and their transactions commit.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;

use super::limit::{Limits, Rates};
use super::pool::Pool;
use super::{App, router};
use crate::station::{Station, StationError};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Whether a non-loopback address is allowed.
    pub allow_remote: bool,
    /// Request rates.
    pub rates: Rates,
    /// Reader stations.
    pub readers: usize,
    /// Most verifications per commit.
    pub group_commit: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8700)),
            allow_remote: false,
            rates: Rates::default(),
            readers: 2,
            group_commit: 64,
        }
    }
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A non-loopback address without permission.
    #[error("{0} is not a loopback address: the API has no TLS of its own")]
    NotLoopback(SocketAddr),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The runtime or a thread could not start.
    #[error("the server could not start: {0}")]
    Start(String),
    /// The station pool could not open.
    #[error(transparent)]
    Station(#[from] StationError),
}

/// A router with its stations, before it listens (tests drive the router in process).
pub struct Server {
    /// Every route.
    pub router: Router,
    writer: JoinHandle<()>,
    app: Arc<App>,
}

impl Server {
    /// Builds the stations and the router on an unlocked station.
    pub fn new(st: Station, cfg: &Config) -> Result<Server, ServeError> {
        let limits = Arc::new(Limits::new(cfg.rates));
        let (pool, writer) = Pool::start(st, cfg.readers, cfg.group_commit, limits)?;
        let app = Arc::new(App { pool });
        Ok(Server {
            router: router(Arc::clone(&app)),
            writer,
            app,
        })
    }

    /// Stops the writer once every handle on it is gone (after the last request).
    pub fn finish(self) {
        let Server {
            router,
            writer,
            app,
        } = self;
        drop(router);
        drop(app);
        if writer.join().is_err() {
            tracing::error!("the API writer thread panicked");
        }
    }
}

/// SIGTERM or Ctrl-C, listened for from now on (installed before the address is
/// printed, so a supervisor that signals at once is heard).
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
    })
}

/// Ctrl-C, listened for from now on.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

/// Serves until SIGTERM or Ctrl-C; prints `listening on http://ADDR` once bound.
pub fn serve(st: Station, cfg: &Config) -> Result<(), ServeError> {
    if !cfg.listen.ip().is_loopback() && !cfg.allow_remote {
        return Err(ServeError::NotLoopback(cfg.listen));
    }
    let server = Server::new(st, cfg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("api")
        .build()
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let app = Arc::clone(&server.app);
    let service = server
        .router
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: cfg.listen,
                source,
            })?;
        let bound = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: cfg.listen,
            source,
        })?;
        let signal = shutdown_signal().map_err(|e| ServeError::Start(e.to_string()))?;
        // Standard output may be closed by now (a supervisor that read the address):
        // nothing printed here is worth failing for.
        let _ = writeln!(std::io::stdout(), "listening on http://{bound}");
        let _ = std::io::stdout().flush();
        tracing::info!(%bound, "API listening");
        // Under systemd (Type=notify): ready once bound; a no-op without NOTIFY_SOCKET.
        let status = format!("listening on http://{bound}");
        let ready = [
            sd_notify::NotifyState::Ready,
            sd_notify::NotifyState::Status(&status),
        ];
        if let Err(e) = sd_notify::notify(&ready) {
            tracing::warn!(error = %e, "cannot notify the service manager (NOTIFY_SOCKET)");
        }
        let tidy = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                app.pool.limits().tidy();
            }
        });
        let out = axum::serve(listener, service)
            .with_graceful_shutdown(signal)
            .await
            .map_err(|e| ServeError::Start(e.to_string()));
        tidy.abort();
        out
    });
    // Requests in flight have been answered; the runtime's tasks end here.
    drop(runtime);
    server.finish();
    let _ = writeln!(std::io::stdout(), "stopped");
    served
}
