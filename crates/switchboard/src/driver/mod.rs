//! The tokio drivers: they own sockets and timers and do nothing else. The core task owns the
//! `Switch` and loops on `select!{SIP message, media event, next deadline, shutdown}`, then
//! drains the core's outputs to the SIP transports and the media driver.

mod media;
mod sip;

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
        matches!(self, RunError::Prompt(_) | RunError::Setup(_))
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
    let mut switch = Switch::new(Arc::new(config))?;

    let udp = Arc::new(
        UdpSocket::bind(listen)
            .await
            .map_err(io(format!("binding SIP UDP {listen}")))?,
    );
    let tcp = TcpListener::bind(listen)
        .await
        .map_err(io(format!("binding SIP TCP {listen}")))?;
    tracing::info!(addr = %listen, "SIP listening on UDP and TCP");

    let (to_core, mut from_net) = mpsc::channel(4096);
    let (media_events, mut from_media) = mpsc::unbounded_channel();
    let conns = sip::ConnectionTable::new();
    let udp_task = tokio::spawn(sip::udp_loop(udp.clone(), to_core.clone()));
    let tcp_task = tokio::spawn(sip::tcp_accept_loop(tcp, to_core.clone(), conns.clone()));
    let mut media = media::MediaDriver::new(prompts, media_events, listen.ip());

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
                    _ => sip::send_stream(&conns, t.dest.addr, t.data, &to_core),
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
    tcp_task.abort();
    // Let the media tasks see their Close and release sockets.
    tokio::time::sleep(Duration::from_millis(50)).await;
    tracing::info!(
        accepted = switch.counters().calls_accepted,
        bridged = switch.counters().bridged,
        malformed = sip::MALFORMED.load(std::sync::atomic::Ordering::Relaxed),
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
