//! `onestamp`: the one binary. Parses arguments, loads the configuration,
//! opens the store and runs a command: serve, migrate, demo, import, export,
//! calendar, audit, bench.

mod commands;
mod config;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "onestamp",
    version,
    about = "行政审批局 一枚印章管审批 — approval bureau platform"
)]
struct Cli {
    /// Configuration file (TOML) over the embedded defaults.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory (default ./data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL (default: SQLite file in the data directory).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Load the demo catalogue and users first.
        #[arg(long)]
        demo: bool,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Load the demo catalogue and demo users (idempotent) and list the users.
    Demo,
    /// Import a catalogue file (.yaml, .yml or .json); a file with any error is refused whole.
    Import { file: PathBuf },
    /// Export the catalogue to a file (.yaml or .json) or to standard output.
    Export {
        file: Option<PathBuf>,
        /// yaml or json (default: from the file name, else yaml).
        #[arg(long)]
        format: Option<String>,
    },
    /// Working-day calendar: when is something due, which days are holidays.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the embedded database to a new file while it serves
    /// (PostgreSQL: use pg_dump). Restore by pointing --database-url sqlite://<file> at it.
    Backup { file: PathBuf },
    /// Load figures: the server in-process over a fresh database, driven over HTTP.
    Bench(onestamp_bench::BenchArgs),
    /// The bureau's seal key: only `serve` (on its first start) and these create one.
    #[command(subcommand)]
    Seal(SealCommand),
    /// Reports for the people who run the bureau.
    #[command(subcommand)]
    Report(ReportCommand),
    /// 大数据决策分析: the pre-aggregated figures.
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
}

#[derive(Subcommand)]
enum AnalyticsCommand {
    /// Recompute every analytics row from the stored cases and ratings (after
    /// loading data from before the rows were kept); prints its progress.
    Rebuild,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// For each theme (一件事一次办): materials, forms, fields, visits and committed
    /// time against applying for its items one by one.
    Themes,
    /// 月度统计报告: every analytics figure of a month as a PDF sealed with the
    /// bureau's registered seal.
    Month {
        /// The month, `yyyy-mm`.
        month: String,
        /// Only this department's items (its code).
        #[arg(long)]
        department: Option<String>,
        /// Where to write the PDF (default: onestamp-report-<month>.pdf here);
        /// an existing file is never overwritten.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SealCommand {
    /// Create the bureau's SM2 seal key at `seal_key` and register it; refused if one exists.
    Init,
    /// Retire the key in use (kept as <file>.<key id>.retired) and create and register a new one.
    Rotate,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print the date (or instant, with --hours) n working days (hours) after the given one, start day not counted.
    Add {
        /// A date (2026-09-30) or an instant (2026-09-30T16:30, bureau time).
        start: String,
        n: u32,
        #[arg(long)]
        hours: bool,
    },
    /// List a year's holidays and adjusted working days.
    Show { year: i32 },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the SM3 hash chain, check its head and sealed checkpoints, and replay
    /// every case and licence from it; name what does not hold.
    Verify {
        /// Checkpoints exported earlier (`audit export`) and kept elsewhere, to
        /// check as well.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
    /// Seal a checkpoint of the chain's head now with the registered seal key
    /// (a running server seals one every `audit_checkpoint_minutes`).
    Checkpoint,
    /// Write every sealed checkpoint to a file (JSON lines), to keep elsewhere.
    Export { file: PathBuf },
}

fn main() -> std::process::ExitCode {
    let mut cli = Cli::parse();
    // A bench opens fresh databases of its own: the URL names one to bench, not the store.
    let bench = if let Command::Bench(b) = &mut cli.command {
        b.database_url = cli.database_url.take();
        true
    } else {
        false
    };
    let flags = config::Overrides {
        config_file: cli.config.clone(),
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        listen: match &cli.command {
            Command::Serve { listen, .. } => listen.clone(),
            _ => None,
        },
    };
    let result = config::Config::load(&flags).and_then(|cfg| {
        commands::init_logging(&cfg, bench);
        let rt = tokio::runtime::Runtime::new()?;
        rt.block_on(commands::run(cfg, cli.command))
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onestamp: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("onestamp").chain(args.iter().copied()))
    }

    #[test]
    fn the_defaults_are_2000_cases_over_32_clients() {
        let cli = parse(&["bench", "lifecycle"]).unwrap();
        let Command::Bench(b) = cli.command else {
            panic!("not a bench");
        };
        let onestamp_bench::Workload::Lifecycle(load) = b.workload else {
            panic!("not lifecycle");
        };
        assert_eq!((load.cases, load.clients), (2000, 32));
    }

    #[test]
    fn cases_and_clients_out_of_range_are_refused_naming_the_range() {
        for (args, needle) in [
            (["bench", "instant", "--cases", "0"], "1..=10000000"),
            (["bench", "instant", "--cases", "10000001"], "1..=10000000"),
            (["bench", "lifecycle", "--clients", "0"], "1..=1024"),
            (["bench", "lifecycle", "--clients", "1025"], "1..=1024"),
        ] {
            let err = parse(&args).err().unwrap().to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
        let err = parse(&["bench", "instant", "--cases", "many"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("--cases"), "{err}");
    }
}
