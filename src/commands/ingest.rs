use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::cli::{Cli, IngestArgs};
use chatarchive::error::Result;
use chatarchive::ingest::{ingest, missing_files_warning, IngestOptions, IngestReport, Progress};

pub fn run(cli: &Cli, args: &IngestArgs) -> Result<ExitCode> {
    limit_malloc_arenas();
    let mut archive = super::open_archive(cli)?;
    archive.lock_wait = super::lock_wait();
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        // Ctrl-C: stop at the next conversation and roll back. A second Ctrl-C exits at once;
        // SQLite's journal still guarantees the archive is unchanged.
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, std::sync::atomic::Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }
    let show_progress = !cli.quiet && std::io::stderr().is_terminal();
    let mut failed = false;
    for path in &args.paths {
        let bar = show_progress.then(progress_bar);
        let opts = IngestOptions {
            dry_run: args.dry_run,
            force: args.force,
            account: args.account.clone(),
            provider: args.provider.map(Into::into),
            keep_html: args.keep_html,
            allow_forgotten: args.allow_forgotten,
            partial: args.partial,
            progress: bar.clone().map(|b| {
                Arc::new(move |done: u64, total: u64, conversations: usize| {
                    b.set_length(total);
                    b.set_position(done);
                    b.set_message(format!("{conversations} conversations"));
                }) as Progress
            }),
            cancel: Some(cancel.clone()),
        };
        let result = ingest(&mut archive, path, &opts);
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        match result {
            Ok(report) => {
                if args.json {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(
                        out,
                        "{}",
                        serde_json::to_string(&report).unwrap_or_default()
                    );
                }
                if !cli.quiet {
                    eprint!("{}", summary(&report));
                }
            }
            Err(e) => {
                let e = e.in_archive(&cli.db);
                // Errors about the export as a whole already start with its path.
                let message = e.to_string();
                if message.starts_with(&path.display().to_string()) {
                    eprintln!("chatarchive: {message}");
                } else {
                    eprintln!("chatarchive: {}: {message}", path.display());
                }
                if matches!(e, chatarchive::Error::Interrupted) {
                    return Ok(ExitCode::from(130));
                }
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Two malloc arenas instead of one per thread: memory freed by the writer then serves the
/// reader's next allocations instead of sitting in an arena of its own (peak RSS on a 1 GB
/// export: 96 → 90 MB, no slower; one arena was slower). Before the ingest threads start.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes glibc's allocator; called before this process starts threads.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar
}

/// The human summary printed after each export.
pub fn summary(r: &IngestReport) -> String {
    if r.skipped {
        return format!(
            "{}: already ingested (import {}); nothing to do. Use --force to ingest it again.\n",
            r.source,
            r.import_id.unwrap_or(0)
        );
    }
    let c = &r.conversations;
    let mut s = format!(
        "{}{}{}: {} conversations: {} new, {} changed, {} unchanged, {} deleted upstream{}; {} new messages; {:.1}s ({:.1} MB/s)\n",
        if r.dry_run { "dry run, nothing written: " } else { "" },
        r.source,
        if r.partial { " (partial export: no deletions judged)" } else { "" },
        c.total,
        c.new,
        c.changed,
        c.unchanged,
        c.deleted,
        if c.restored > 0 { format!(", {} back again", c.restored) } else { String::new() },
        r.messages.new,
        r.seconds,
        r.mb_per_second
    );
    let p = &r.projects;
    if p.total > 0 || r.memories > 0 {
        s.push_str(&format!(
            "  {} projects: {} new, {} changed, {} unchanged, {} deleted upstream{}; {} remembered texts\n",
            p.total,
            p.new,
            p.changed,
            p.unchanged,
            p.deleted,
            if p.restored > 0 { format!(", {} back again", p.restored) } else { String::new() },
            r.memories
        ));
    }
    if c.skipped_forgotten > 0 {
        s.push_str(&format!(
            "  {} forgotten conversations in this export were skipped (chatarchive forget; --allow-forgotten stores them)\n",
            c.skipped_forgotten
        ));
    }
    if !r.unknown_content_types.is_empty() {
        let list: Vec<String> = r
            .unknown_content_types
            .iter()
            .map(|(t, n)| format!("{t} ({n})"))
            .collect();
        s.push_str(&format!(
            "  warning: content types this version does not know, kept raw: {}\n",
            list.join(", ")
        ));
    }
    const MAX_SHOWN: usize = 10;
    // The list of missing files is whole in the imports table; here its first few names.
    let missing =
        (!r.missing_files.is_empty()).then(|| missing_files_warning(&r.missing_files, None));
    let warnings: Vec<String> = r
        .warnings
        .iter()
        .map(|w| match &missing {
            Some(full) if w == full => missing_files_warning(&r.missing_files, Some(5)),
            _ => w.clone(),
        })
        .collect();
    for w in warnings.iter().take(MAX_SHOWN) {
        s.push_str(&format!("  warning: {w}\n"));
    }
    if warnings.len() > MAX_SHOWN {
        s.push_str(&format!(
            "  ... and {} more warnings (see the imports table)\n",
            warnings.len() - MAX_SHOWN
        ));
    }
    let bare_json = std::path::Path::new(&r.source)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if bare_json && !r.missing_files.is_empty() {
        // A JSON file is read alone: the files beside it are not part of what was named.
        s.push_str("  note: a conversations file alone holds no attachments; ingest the export's ZIP or folder to keep them\n");
    }
    if r.accounts.is_empty() && !r.dry_run && !r.partial {
        s.push_str("  note: the export names no account, so nothing was marked deleted (use --account NAME)\n");
    }
    s
}
