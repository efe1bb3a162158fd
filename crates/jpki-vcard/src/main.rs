//! `jpki-vcard`: the virtual My Number card's command line (`jpki_vcard::cli`).

fn main() -> std::process::ExitCode {
    jpki_vcard::cli::main()
}
