//! The `chatarchive` binary: parse the command line, run, map errors to exit codes
//! (0 ok, 1 failure, 2 usage, 130 interrupted). The command line is the binary's own: `cli`
//! holds the clap definitions, `commands` one function per subcommand over the library.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let db = cli.db.clone();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            let e = e.in_archive(&db);
            eprintln!("chatarchive: {e}");
            match e {
                chatarchive::Error::Usage(_) => ExitCode::from(2),
                chatarchive::Error::Interrupted => ExitCode::from(130),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
