//! `switchboard`: a SIP softswitch with a built-in ACD.
//!
//! `switchboard` alone runs the built-in demo (see DESIGN.md, "The demo contract");
//! `switchboard --config FILE` runs a deployment. SIGINT/SIGTERM stop new calls, end the
//! active ones cleanly and exit 0. `switchboard simulate MODEL` runs the ACD against a
//! traffic model; `switchboard erlang` sizes a team with Erlang C.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod config;
mod driver;
mod ivr;
mod prompts;
mod redact;
mod simulate;
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
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the ACD engine on a simulated clock against a traffic model (docs/simulation.md).
    Simulate {
        /// Model file (TOML).
        model: PathBuf,
        /// Write per-interval figures to this CSV file.
        #[arg(long, value_name = "FILE")]
        intervals: Option<PathBuf>,
    },
    /// Agents needed for a service-level target, by Erlang C.
    Erlang {
        /// Calls arriving per hour.
        #[arg(long)]
        calls_per_hour: f64,
        /// Average handle time in seconds (talk plus wrap-up).
        #[arg(long)]
        aht: f64,
        /// Answer within this many seconds.
        #[arg(long, default_value_t = 20)]
        target: u64,
        /// Share of calls to answer within the target, in percent.
        #[arg(long, default_value_t = 80.0)]
        service_level: f64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Simulate { model, intervals }) => return run_simulation(&model, intervals),
        Some(Command::Erlang {
            calls_per_hour,
            aht,
            target,
            service_level,
        }) => {
            if !(aht.is_finite() && aht > 0.0 && aht <= 86_400.0) {
                eprintln!("switchboard erlang: --aht must be 0 to 86400 seconds");
                return ExitCode::from(2);
            }
            return match simulate::erlang_table(
                calls_per_hour,
                std::time::Duration::from_secs_f64(aht),
                std::time::Duration::from_secs(target),
                service_level / 100.0,
            ) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("switchboard erlang: {e}");
                    ExitCode::from(2)
                }
            };
        }
        None => {}
    }
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

fn run_simulation(model: &std::path::Path, intervals: Option<PathBuf>) -> ExitCode {
    let config = match simulate::load(model) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("switchboard simulate: {}: {e}", model.display());
            return ExitCode::from(2);
        }
    };
    match simulate::simulate(&config) {
        Ok((report, csv)) => {
            print!("{report}");
            if let Some(path) = intervals {
                if let Err(e) = std::fs::write(&path, csv) {
                    eprintln!("switchboard simulate: {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("switchboard simulate: {e}");
            ExitCode::from(2)
        }
    }
}
