//! End-to-end: `chatarchive completions SHELL` and `chatarchive man`, generated from the clap
//! definitions, so every flag the binary takes is in them.

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("chatarchive")
        .unwrap()
        .env_remove("CHATARCHIVE_DB")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_for_every_shell_know_the_commands_and_flags() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = run(&["completions", shell]);
        for word in ["search", "forget", "tz", "fts", "title", "completions"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    // The bash script is valid bash.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chatarchive.bash");
    std::fs::write(&path, run(&["completions", "bash"])).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn man_prints_a_page_and_writes_one_per_command() {
    let page = run(&["man"]);
    assert!(page.contains(".TH chatarchive 1"), "{page}");
    assert!(
        page.contains("chatarchive\\-search(1)"),
        "subcommands are listed: {page}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("chatarchive")
        .unwrap()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let search = std::fs::read_to_string(dir.path().join("chatarchive-search.1")).unwrap();
    assert!(search.contains("\\-\\-fts"), "{search}");
    assert!(search.contains("\\-\\-role"), "{search}");
    let pages = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!("wrote {pages} manual pages to {}\n", dir.path().display())
    );
}
