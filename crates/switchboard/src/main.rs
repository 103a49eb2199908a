//! `switchboard`: a SIP softswitch with a built-in ACD.
//!
//! `switchboard` alone runs the built-in demo (see DESIGN.md, "The demo contract");
//! `switchboard --config FILE` runs a deployment. SIGINT/SIGTERM stop new calls, end the
//! active ones cleanly and exit 0.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

mod config;
mod driver;
mod ivr;
mod prompts;
mod redact;
mod switch;

use config::{Config, Overrides};

/// A SIP softswitch with a built-in ACD for contact centres.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about)]
struct Cli {
    /// Configuration file (TOML). Without it the built-in demo configuration runs.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// SIP listen address for UDP and TCP (overrides `sip.listen`).
    #[arg(long, value_name = "ADDR")]
    sip_addr: Option<String>,
    /// RTP port range, e.g. 20000-29999 (overrides `rtp.ports`).
    #[arg(long, value_name = "LOW-HIGH")]
    rtp_ports: Option<String>,
    /// Log filter: error, warn, info, debug, trace, or a tracing directive list.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    log_level: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = match tracing_subscriber::EnvFilter::try_new(&cli.log_level) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("switchboard: --log-level `{}`: {e}", cli.log_level);
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let overrides = Overrides {
        sip_addr: cli.sip_addr.clone(),
        rtp_ports: cli.rtp_ports.clone(),
    };
    let config = match &cli.config {
        Some(path) => Config::load(path, &overrides),
        None => Config::demo(&overrides),
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("switchboard: {e}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(
        sip = %config.sip.listen,
        rtp = %format!("{}-{}", config.rtp_ports.0, config.rtp_ports.1),
        demo = cli.config.is_none(),
        "starting"
    );
    // Each call holds four sockets and each TCP phone one: the common default of 1024 open
    // files would cap a busy switch far below what it can carry.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    match driver::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "switchboard stopped");
            eprintln!("switchboard: {e}");
            if e.is_config() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
