//! Completions, man pages and `--version`: generated from the clap definitions, on stdout.

use crate::util::{
    documented_exit_codes, english, jpki, json, replay, repository_file, run, trace, Run, JPKI,
};
use std::path::Path;
use std::process::{Command, Output, Stdio};

#[test]
fn completions_generate_for_every_shell_and_know_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let Run { stdout, stderr, .. } =
            run(jpki().args(["completions", shell])).assert_exit_for(0, format_args!("{shell}"));
        assert!(stderr.is_empty(), "{shell}: {stderr}");
        for word in [
            "readers",
            "status",
            "pins",
            "completions",
            "replay",
            "pins-only",
        ] {
            assert!(stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
}

#[test]
fn completions_for_an_unknown_shell_are_a_usage_error() {
    let Run {
        code,
        stdout,
        stderr,
    } = run(jpki().args(["completions", "tcsh"]));
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("tcsh"), "{stderr}");
}

#[test]
fn the_man_page_names_the_commands_flags_and_exit_codes() {
    let Run { stdout: page, .. } = run(jpki().args(["manpage"])).assert_exit(0);
    assert!(page.contains(".TH jpki 1"), "{page}");
    for word in [
        "readers",
        "status",
        "completions",
        "\\-\\-replay",
        "JPKI_READER",
    ] {
        assert!(page.contains(word), "man page lacks {word}");
    }
    assert!(
        !page.contains("manpage"),
        "the hidden command leaked into the page"
    );
    assert!(page.contains(".SH \"EXIT STATUS\""));
}

/// docs/exit-codes.md is the list of record; the man page must carry every code in it.
#[test]
fn the_man_page_lists_every_documented_exit_code() {
    let codes = documented_exit_codes();
    assert!(
        codes.len() >= 12,
        "found only {codes:?} in docs/exit-codes.md"
    );
    let Run { stdout: page, .. } = run(jpki().args(["manpage"]));
    for code in &codes {
        assert!(
            page.contains(&format!("\n.B {code}\n")),
            "exit code {code} is in docs/exit-codes.md but not in the man page"
        );
    }
    // And no other: the page's EXIT STATUS holds exactly the documented codes.
    let section = page
        .split(".SH \"EXIT STATUS\"")
        .nth(1)
        .and_then(|rest| rest.split("\n.SH ").next())
        .expect("no EXIT STATUS");
    let listed: Vec<i32> = section
        .lines()
        .filter_map(|line| line.strip_prefix(".B "))
        .filter_map(|code| code.parse().ok())
        .collect();
    assert_eq!(
        listed, codes,
        "the man page's exit codes differ from docs/exit-codes.md"
    );
}

/// The sections of one page, by their headings (`.SH NAME`, `.SH "EXIT STATUS"`).
fn sections(page: &str) -> Vec<String> {
    page.lines()
        .filter_map(|line| line.strip_prefix(".SH "))
        .map(|heading| heading.trim_matches('"').to_string())
        .collect()
}

/// The pages a page names, `jpki-status(1)` or `.BR jpki\-status (1)`, as file names.
fn named_pages(page: &str) -> Vec<String> {
    let plain = page.replace("\\-", "-").replace(" (1)", "(1)");
    plain
        .split("(1)")
        .filter_map(|before| before.rsplit([' ', '\n', '"']).next())
        .filter(|name| name.starts_with("jpki"))
        .map(|name| format!("{name}.1"))
        .collect()
}

#[test]
fn man_pages_have_the_sections_debian_users_expect_and_name_only_pages_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    run(jpki().args(["manpage", "--out-dir", dir.path().to_str().unwrap()])).assert_exit(0);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("help") || n.contains("manpage")),
        "{names:?}"
    );
    for name in &names {
        let page = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let have = sections(&page);
        for wanted in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "EXIT STATUS",
            "ENVIRONMENT",
            "EXAMPLES",
            "SEE ALSO",
        ] {
            assert!(
                have.iter().any(|h| h == wanted),
                "{name} lacks {wanted}: {have:?}"
            );
        }
        if name == "jpki.1" || name == "jpki-completions.1" {
            assert!(have.iter().any(|h| h == "FILES"), "{name} lacks FILES");
        }
        for variable in [
            "JPKI_READER",
            "NO_COLOR",
            "CLICOLOR_FORCE",
            "LC_ALL",
            "LC_MESSAGES",
            "LANG",
        ] {
            assert!(
                page.contains(variable),
                "{name}'s ENVIRONMENT lacks {variable}"
            );
        }
        let see_also = page.split(".SH \"SEE ALSO\"").nth(1).unwrap();
        assert!(see_also.contains(".BR pcscd (8)"), "{name}: {see_also}");
        assert!(
            see_also.contains(".BR pkcs15\\-tool (1)"),
            "{name}: {see_also}"
        );
        let named = named_pages(see_also);
        assert_eq!(
            named.len(),
            names.len() - 1,
            "{name} names {named:?}, not the other pages"
        );
        for named in named_pages(&page) {
            assert!(
                names.contains(&named),
                "{name} names {named}, which is not generated"
            );
        }
    }
}

#[test]
fn man_pages_for_every_command_go_into_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    let Run { stdout, .. } =
        run(jpki().args(["manpage", "--out-dir", out.to_str().unwrap()])).assert_exit(0);
    assert!(stdout.is_empty());
    for page in [
        "jpki.1",
        "jpki-readers.1",
        "jpki-status.1",
        "jpki-pins.1",
        "jpki-completions.1",
    ] {
        assert!(out.join(page).is_file(), "{page} missing");
    }
    let status = std::fs::read_to_string(out.join("jpki-status.1")).unwrap();
    assert!(status.contains("pins\\-only"), "{status}");
}

/// Run scripts/gen-assets.sh with this build's jpki, writing into `dir`.
fn gen_assets(dir: &Path) -> Output {
    Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/gen-assets.sh"
        ))
        .arg(dir)
        .env("JPKI", JPKI)
        .output()
        .unwrap()
}

#[test]
fn the_asset_script_writes_completions_and_man_pages() {
    let dir = tempfile::tempdir().unwrap();
    let out = gen_assets(dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "completions/jpki.bash",
        "completions/_jpki",
        "completions/jpki.fish",
        "completions/_jpki.ps1",
        "man/jpki.1",
        "man/jpki-status.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(text.contains("status"), "{file} does not mention status");
    }
}

#[test]
fn version_names_jpki_and_the_pcsc_library_on_stdout() {
    let Run {
        code,
        stdout,
        stderr,
    } = run(jpki().args(["--version"]));
    assert_eq!(code, 0, "{stderr}");
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some(concat!("jpki ", env!("CARGO_PKG_VERSION")))
    );
    let pcsc = lines.next().unwrap_or_default();
    assert!(pcsc.starts_with("PC/SC: "), "{stdout}");
    if cfg!(target_os = "linux") {
        assert!(pcsc.contains("libpcsclite.so"), "{pcsc}");
    }
    let Run {
        code,
        stdout: short,
        ..
    } = run(jpki().args(["-V"]));
    assert_eq!(code, 0);
    assert_eq!(short.trim(), concat!("jpki ", env!("CARGO_PKG_VERSION")));
}

#[test]
fn errors_go_to_stderr_and_data_to_stdout() {
    let Run {
        code,
        stdout,
        stderr,
    } = replay("status/fresh.trace", &["status", "--pins-only", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    json(&stdout);
    assert!(stderr.is_empty(), "{stderr}");

    let Run {
        code,
        stdout,
        stderr,
    } = run(jpki().args(["--replay", "/nonexistent/x.trace", "status"]));
    assert_eq!(code, 11);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.starts_with("jpki: error"), "{stderr}");
}

/// The commands `jpki --help` lists, without clap's own `help`.
fn listed_commands() -> Vec<String> {
    let Run { stdout: help, .. } = run(jpki().args(["--help"]));
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_describes_every_command() {
    let readme = repository_file("README.md");
    let commands = listed_commands();
    assert!(commands.contains(&"status".to_string()), "{commands:?}");
    for command in commands {
        assert!(
            readme.contains(&format!("- `jpki {command}")),
            "README.md's command list lacks `jpki {command}`"
        );
    }
}

#[test]
fn a_closed_stdout_is_an_error_not_a_panic() {
    for args in [
        &["status"][..],
        &["--json", "status"][..],
        &["readers"][..],
        &["doctor"][..],
    ] {
        let mut child = english(JPKI)
            .arg("--replay")
            .arg(trace("guidance/last-tries.trace"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before jpki gets to write.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(0) | Some(1) | Some(11) | Some(19)),
            "{args:?}: {code:?} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

/// The `cargo install` line in README.md names this package, whatever it is called.
#[test]
fn the_readme_installs_this_package_by_its_name() {
    let readme = repository_file("README.md");
    let line = concat!("cargo install --locked ", env!("CARGO_PKG_NAME"));
    assert!(
        readme.lines().any(|l| l.trim() == line),
        "README.md lacks the line `{line}`"
    );
}

/// Every generated file the Debian package takes (Cargo.toml, `[package.metadata.deb]`) is one
/// that scripts/gen-assets.sh writes, so `cargo deb` after the script never misses a page.
#[test]
fn the_debian_package_takes_what_the_asset_script_writes() {
    let manifest = repository_file("Cargo.toml");
    let deb = manifest
        .split("[package.metadata.deb]")
        .nth(1)
        .expect("Cargo.toml has no [package.metadata.deb]");
    // Each source is a string starting "target/assets/", however the array is laid out (cargo
    // package rewrites the manifest).
    let sources: Vec<&str> = deb
        .split("\"target/assets/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(sources.len() >= 4, "{sources:?}");

    let dir = tempfile::tempdir().unwrap();
    let out = gen_assets(dir.path());
    assert!(out.status.success());
    for source in sources {
        let found = match source.strip_suffix("*.1") {
            Some(folder) => std::fs::read_dir(dir.path().join(folder))
                .unwrap()
                .filter_map(Result::ok)
                .any(|entry| entry.file_name().to_string_lossy().ends_with(".1")),
            None => dir.path().join(source).is_file(),
        };
        assert!(
            found,
            "Cargo.toml packages target/assets/{source}, which the script does not write"
        );
    }
}

/// What completions must never offer: the hidden flag and command, which are not for people.
#[test]
fn completions_offer_no_hidden_flag_or_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let Run { stdout, .. } =
            run(jpki().args(["completions", shell])).assert_exit_for(0, format_args!("{shell}"));
        for hidden in ["today", "manpage", "out-dir"] {
            assert!(
                !stdout.contains(hidden),
                "{shell} completion offers {hidden}"
            );
        }
        // The visible ones are all still there, global flags inside subcommands included.
        for word in [
            "verify-pin",
            "allow-last-try",
            "virtual-card",
            "wait",
            "lang",
        ] {
            assert!(stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
}

/// The line of `shell`'s completion script that holds `needle` (the first one).
fn completion_line(shell: &str, needle: &str) -> String {
    let Run { stdout, .. } = run(jpki().args(["completions", shell])).assert_exit(0);
    stdout
        .lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no {needle} in {stdout}"))
        .to_string()
}

/// A reader's name is not a file name: zsh and fish are told not to offer files for it.
#[test]
fn the_reader_flag_does_not_complete_file_names() {
    let zsh = completion_line("zsh", "--reader=");
    assert!(zsh.ends_with(":NAME|INDEX:' \\"), "{zsh}");
    let fish = completion_line("fish", "-l reader");
    assert!(fish.contains(" -f"), "{fish}");
}
