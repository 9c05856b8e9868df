//! Shell completions and manual pages, generated from the clap definitions in `cli.rs` (so they
//! always match the flags the binary takes) by clap_complete and clap_mangen.

use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;

use super::print;
use crate::cli::Cli;
use chatarchive::error::{Error, Result};

pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "chatarchive", &mut out);
    print(&String::from_utf8_lossy(&out))?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(out: Option<&Path>) -> Result<ExitCode> {
    let cmd = Cli::command();
    match out {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| Error::io("standard output", e))?;
            print(&String::from_utf8_lossy(&page))?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| Error::io(dir, e))?;
            let pages = std::fs::read_dir(dir)
                .map_err(|e| Error::io(dir, e))?
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "1"))
                })
                .count();
            eprintln!("wrote {pages} manual pages to {}", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
