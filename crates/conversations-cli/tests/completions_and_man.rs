//! `conversations completions SHELL` prints a script for each shell, and the checked-in man
//! pages (rendered by `cargo xtask codegen` from the same argument definitions) agree with
//! the binary's own `--version` and `--help`.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use assert_cmd::Command;

fn conversations(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("conversations")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn each_shell_gets_a_script_that_knows_the_subcommands() {
    // What marks each shell's script as its own.
    let shells = [
        ("bash", "complete -F _conversations"),
        ("zsh", "#compdef conversations"),
        ("fish", "complete -c conversations"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[conversations]"),
    ];
    for (shell, marker) in shells {
        let output = conversations(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {output:?}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(
            script.contains(marker),
            "{shell}: no {marker:?} in\n{script}"
        );
        for word in [
            "list", "schema", "sandbox", "accounts", "provider", "csv-raw",
        ] {
            assert!(script.contains(word), "{shell}: no {word:?}");
        }
    }
}

#[test]
fn the_bash_script_is_valid_bash() {
    let output = conversations(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conversations.bash");
    std::fs::write(&path, &output.stdout).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
}

#[test]
fn an_unknown_shell_is_a_usage_error_naming_the_choices() {
    let output = conversations(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("bash") && stderr.contains("zsh"),
        "{stderr}"
    );
}

#[test]
fn the_man_pages_match_the_binary() {
    let man = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let page = std::fs::read_to_string(man.join("conversations.1")).unwrap();
    let version = String::from_utf8(conversations(&["--version"]).stdout).unwrap();
    // `conversations 0.1.0` is the page's source line.
    assert!(
        page.contains(&format!("\"{}\"", version.trim())),
        "{version} not in\n{page}"
    );
    let help = String::from_utf8(conversations(&["--help"]).stdout).unwrap();
    let about = help.lines().next().unwrap();
    assert!(page.contains(about), "{about} not in\n{page}");
    for sub in [
        "list",
        "schema",
        "sandbox",
        "sandbox-serve",
        "completions",
        "accounts",
    ] {
        assert!(
            man.join(format!("conversations-{sub}.1")).is_file(),
            "no page for {sub}"
        );
    }
}
