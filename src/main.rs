//! The `chatarchive` binary: parse the command line, run, map errors to exit codes
//! (0 ok, 1 failure, 2 usage, 130 interrupted).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = chatarchive::cli::Cli::parse();
    match chatarchive::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("chatarchive: {e}");
            match e {
                chatarchive::Error::Usage(_) => ExitCode::from(2),
                chatarchive::Error::Interrupted => ExitCode::from(130),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
