//! One function per subcommand: open the archive, call the library, print the result.

mod attachments;
mod ingest;
mod show;

use std::process::ExitCode;

use crate::cli::{AttachmentsCommand, Cli, Command};
use crate::error::Result;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Ingest(ref args) => ingest::run(&cli, args),
        Command::Attachments(AttachmentsCommand::Extract {
            ref out,
            ref conversation,
        }) => attachments::extract(&cli, out, conversation.as_deref()),
        Command::Show {
            ref id,
            version,
            format,
            all_branches,
            include_hidden,
        } => show::run(&cli, id, version, format, all_branches, include_hidden),
    }
}
