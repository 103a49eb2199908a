//! The tokio drivers: they own sockets and timers and do nothing else. The core task owns the
//! `Switch` and loops on `select!{SIP message, media event, next deadline, shutdown}`, then
//! drains the core's outputs to the SIP transports and the media driver.

mod media;
mod sip;
mod tls;
mod ws;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::prompts::{PromptError, PromptSet};
use crate::switch::{Output, SetupError, Switch};
use ::sip::transport::Transport;

/// How long a shutdown waits for BYEs and CANCELs to be answered.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Why the switch could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A prompt named in the configuration could not be loaded.
    #[error(transparent)]
    Prompt(#[from] PromptError),
    /// The core refused the configuration.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// The TLS certificate or key named in the configuration could not be used.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// A socket could not be bound, or the runtime could not start.
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

impl RunError {
    /// Whether the configuration is at fault (exit code 2, like a config that does not parse).
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            RunError::Prompt(_) | RunError::Setup(_) | RunError::Tls(_)
        )
    }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RunError {
    let what = what.into();
    move |source| RunError::Io { what, source }
}

/// Runs the switch until SIGINT or SIGTERM, then ends calls cleanly and returns.
pub fn run(config: Config) -> Result<(), RunError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(io("starting the runtime"))?;
    runtime.block_on(serve(config))
}

async fn serve(config: Config) -> Result<(), RunError> {
    let prompts = Arc::new(PromptSet::load(&config)?);
    let listen = config.sip.listen;
    let rtp_timeout = config.rtp_timeout;
    let acceptor = config
        .sip
        .tls_files
        .as_ref()
        .filter(|_| config.sip.tls_listen.is_some() || config.sip.wss_listen.is_some())
        .map(tls::load_acceptor)
        .transpose()?;
    let (tls_listen, ws_listen, wss_listen) = (
        config.sip.tls_listen,
        config.sip.ws_listen,
        config.sip.wss_listen,
    );
    let mut switch = Switch::new(Arc::new(config))?;

    let udp = Arc::new(
        UdpSocket::bind(listen)
            .await
            .map_err(io(format!("binding SIP UDP {listen}")))?,
    );
    let tcp = TcpListener::bind(listen)
        .await
        .map_err(io(format!("binding SIP TCP {listen}")))?;
    let bind_optional = |what: &'static str, addr: Option<std::net::SocketAddr>| async move {
        match addr {
            Some(a) => TcpListener::bind(a)
                .await
                .map(Some)
                .map_err(io(format!("binding SIP {what} {a}"))),
            None => Ok(None),
        }
    };
    let tls_listener = bind_optional("TLS", tls_listen).await?;
    let ws_listener = bind_optional("WS", ws_listen).await?;
    let wss_listener = bind_optional("WSS", wss_listen).await?;
    // Every listener is bound before the first of these lines.
    tracing::info!(addr = %listen, "SIP listening on UDP and TCP");
    for (what, addr) in [("TLS", tls_listen), ("WS", ws_listen), ("WSS", wss_listen)] {
        if let Some(addr) = addr {
            tracing::info!(%addr, "SIP listening on {what}");
        }
    }

    let (to_core, mut from_net) = mpsc::channel(4096);
    let (media_events, mut from_media) = mpsc::unbounded_channel();
    let conns = sip::ConnectionTable::new();
    let udp_task = tokio::spawn(sip::udp_loop(udp.clone(), to_core.clone()));
    let mut stream_tasks = vec![tokio::spawn(sip::tcp_accept_loop(
        tcp,
        to_core.clone(),
        conns.clone(),
    ))];
    if let (Some(listener), Some(acceptor)) = (tls_listener, &acceptor) {
        stream_tasks.push(tokio::spawn(tls::tls_accept_loop(
            listener,
            acceptor.clone(),
            to_core.clone(),
            conns.clone(),
        )));
    }
    if let Some(listener) = ws_listener {
        stream_tasks.push(tokio::spawn(ws::ws_accept_loop(
            listener,
            None,
            to_core.clone(),
            conns.clone(),
        )));
    }
    if let (Some(listener), Some(acceptor)) = (wss_listener, &acceptor) {
        stream_tasks.push(tokio::spawn(ws::ws_accept_loop(
            listener,
            Some(acceptor.clone()),
            to_core.clone(),
            conns.clone(),
        )));
    }
    let mut media = media::MediaDriver::new(prompts, media_events, listen.ip(), rtp_timeout);
    // Registrations to carriers start now; the first pass of the loop sends them.
    let mut local_ips = sip::LocalIps::new(listen.ip());
    switch.start(Instant::now(), &mut |ip| local_ips.for_peer(ip));
    let mut first_pass = true;

    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let mut stop_by: Option<Instant> = None;
    loop {
        let deadline = switch.poll_timeout().map(tokio::time::Instant::from_std);
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            Some(inc) = from_net.recv() => switch.handle_sip(inc.msg, inc.source, inc.local_ip, Instant::now()),
            Some(ev) = from_media.recv() => switch.handle_media(ev, Instant::now()),
            _ = sleep => switch.handle_timeout(Instant::now()),
            _ = std::future::ready(()), if first_pass => first_pass = false,
            _ = &mut shutdown, if stop_by.is_none() => {
                tracing::info!(calls = switch.call_count(), "shutting down: no new calls, ending active ones");
                switch.begin_shutdown(Instant::now());
                stop_by = Some(Instant::now() + SHUTDOWN_GRACE);
            }
            _ = tokio::time::sleep(Duration::from_millis(200)), if stop_by.is_some() => {}
        }
        while let Some(out) = switch.poll_output() {
            match out {
                Output::Transmit(t) => match t.dest.transport {
                    Transport::Udp => {
                        if let Err(e) = udp.send_to(&t.data, t.dest.addr).await {
                            tracing::debug!(error = %e, "UDP send failed");
                        }
                    }
                    _ => sip::send_stream(&conns, t.dest, t.data, &to_core),
                },
                Output::Media(cmd) => media.command(cmd),
            }
        }
        if let Some(by) = stop_by {
            if switch.is_drained() || Instant::now() >= by {
                break;
            }
        }
    }
    media.close_all();
    udp_task.abort();
    for task in stream_tasks {
        task.abort();
    }
    // Let the media tasks see their Close and release sockets.
    tokio::time::sleep(Duration::from_millis(50)).await;
    tracing::info!(
        accepted = switch.counters().calls_accepted,
        bridged = switch.counters().bridged,
        malformed = sip::MALFORMED.load(std::sync::atomic::Ordering::Relaxed),
        undelivered = sip::UNDELIVERED.load(std::sync::atomic::Ordering::Relaxed),
        "stopped"
    );
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
