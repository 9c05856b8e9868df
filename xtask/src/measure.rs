//! Runs a child process and measures it: wall time, and from wait4(2) its own CPU time and peak
//! resident set size (std::process reports neither).

use std::io::{self, Read};
use std::process::{Command, Stdio};
use std::time::Instant;

pub struct Measured {
    pub wall: f64,
    pub cpu: f64,
    pub max_rss_kb: u64,
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Measured {
    pub fn max_rss_mb(&self) -> f64 {
        self.max_rss_kb as f64 / 1024.0
    }
}

pub fn run(cmd: &mut Command) -> io::Result<Measured> {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut err = child.stderr.take().expect("stderr is piped");
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        err.read_to_end(&mut b).map(|_| b)
    });
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout is piped")
        .read_to_end(&mut stdout)?;
    // Reaped here rather than by `child.wait()`, which would throw the rusage away.
    let (code, usage) = wait4(child.id())?;
    let wall = start.elapsed().as_secs_f64();
    let stderr = err_reader
        .join()
        .map_err(|_| io::Error::other("stderr reader panicked"))??;
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(Measured {
        wall,
        cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss.max(0) as u64, // kilobytes on Linux
        code,
        stdout,
        stderr,
    })
}

fn wait4(pid: u32) -> io::Result<(i32, libc::rusage)> {
    let mut status = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value that wait4 overwrites.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; `pid` is our own unreaped child.
        let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if r != -1 {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Ok((code, usage))
}
