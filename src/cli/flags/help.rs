//! Help in Japanese: the command clap parses, with every about, flag description and heading
//! in Japanese when the language is (`--lang ja`, or a Japanese locale, known before parsing).
//! The English help is clap's own from the doc comments of args.rs, unchanged.

use crate::cli::flags::args::Args;
use crate::cli::lang::Lang;
use clap::{Arg, Command, CommandFactory};

/// The command for `lang`: clap's, with Japanese help for Japanese.
pub fn command(lang: Lang) -> Command {
    match lang {
        Lang::En => Args::command(),
        Lang::Ja => japanese(Args::command()),
    }
}

/// The help page's layout with clap's own headings in Japanese (clap's default otherwise).
const TEMPLATE: &str =
    "{before-help}{about-with-newline}\n使い方: {usage}\n\n{all-args}{after-help}";

/// The heading of the flags.
const OPTIONS: &str = "オプション";
/// The heading of the positional arguments.
const ARGUMENTS: &str = "引数";

/// `command` with Japanese help. The global flags are translated on the top command, before
/// clap copies them into each subcommand; clap's own `-h`, `-V` and `help` exist only once the
/// command is built, so they are translated after.
fn japanese(command: Command) -> Command {
    let mut command = translate(command);
    command.build();
    builtins(command)
}

/// The abouts and flags of `command` and its subcommands, in Japanese.
fn translate(command: Command) -> Command {
    let name = command.get_name().to_string();
    let command = match about(&name) {
        Some((short, long)) => command.about(short).long_about(long),
        None => command,
    };
    command
        .help_template(TEMPLATE)
        .subcommand_help_heading("コマンド")
        .mut_args(|arg| translate_arg(&name, arg))
        .mut_subcommands(translate)
}

/// One flag or argument in Japanese: its description, its heading, and clap's English extras
/// (`[env: ...]`, `Possible values:`) folded into the description instead.
fn translate_arg(command: &str, arg: Arg) -> Arg {
    let heading = if arg.is_positional() {
        ARGUMENTS
    } else {
        OPTIONS
    };
    let arg = arg.help_heading(heading);
    match flag(command, arg.get_id().as_str()) {
        Some((short, long)) => {
            // The Japanese words name the variable and the values themselves.
            let env = arg.get_env().is_some();
            let values = arg.get_action().takes_values() && !arg.get_possible_values().is_empty();
            let arg = arg.help(short).hide_env(env).hide_possible_values(values);
            match long {
                Some(long) => arg.long_help(long),
                // No English long help is left behind.
                None => arg.long_help(None::<&str>),
            }
        }
        None => arg,
    }
}

/// clap's own `-h`/`--help`, `-V`/`--version` and `help` command, in Japanese, everywhere.
fn builtins(command: Command) -> Command {
    let command = command
        .mut_args(|arg| match arg.get_id().as_str() {
            "help" => arg
                .help("ヘルプを表示します（-h は要約、--help は詳しい説明）")
                .long_help("ヘルプを表示します（-h は要約、--help は詳しい説明）")
                .help_heading(OPTIONS),
            "version" => arg
                .help("バージョンを表示します")
                .long_help("バージョンを表示します")
                .help_heading(OPTIONS),
            _ => arg,
        })
        .help_template(TEMPLATE);
    let command = if command.get_name() == "help" {
        command
            .about("このヘルプ、または指定したコマンドのヘルプを表示します")
            .subcommand_help_heading("コマンド")
            .mut_args(|arg| {
                let heading = if arg.is_positional() {
                    ARGUMENTS
                } else {
                    OPTIONS
                };
                arg.help("ヘルプを表示するコマンド").help_heading(heading)
            })
    } else {
        command
    };
    command.mut_subcommands(builtins)
}

/// A command's about and long about in Japanese (`jpki` is the top command).
fn about(command: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match command {
        "jpki" => (
            "マイナンバーカードの暗証番号の残り回数を表示し、ロックの危険なく暗証番号を変更します",
            None,
        ),
        "readers" => ("PC/SC リーダーと、それぞれにカードがあるかを一覧します", None),
        "status" => (
            "4つの暗証番号それぞれの残り回数を、一回も使わずに表示します。ロックされたものへの対処、カードの種類と証明書の有効期限も示します",
            None,
        ),
        "change-pin" => (
            "暗証番号を一つ、または複数の4桁の暗証番号を同じ新しい値に、ロックの危険なく変更します",
            Some(
                "暗証番号を一つ、または複数の4桁の暗証番号を同じ新しい値に、ロックの危険なく変更します。\n\n\
                 残り回数を示してから、端末で（画面に出さずに）現在の暗証番号を一度、新しい暗証番号を二度尋ねます。\
                 暗証番号を送る前にすべての残り回数を読み、残り1回の暗証番号は --allow-last-try がなければ、\
                 ロックされたものは常に断り、そのときは何も変えません。住基の暗証番号には --experimental が必要です。",
            ),
        ),
        "verify-pin" => (
            "暗証番号が正しいかを、変えずに確かめます。正しければ残り回数は最大に戻ります",
            Some(
                "暗証番号が正しいかを、変えずに確かめます。正しければ残り回数は最大に戻ります。\n\n\
                 残り回数を示してから、端末で（画面に出さずに）暗証番号を尋ねます。送る前に残り回数を一度読み、\
                 残り1回なら --allow-last-try がなければ、ロックされていれば常に断ります。\
                 住基の暗証番号には --experimental が必要です。",
            ),
        ),
        "doctor" => (
            "PC/SC サービス、リーダー、カード、その JPKI アプリケーションを一行ずつ確かめます",
            None,
        ),
        "certificate" => (
            "JPKI アプリケーションの証明書を表示または書き出します。署名用電子証明書は、verify-pin と同じ確認のうえ署名用パスワードのあとでだけ読みます",
            None,
        ),
        "show" => (
            "証明書を表示します: 主体者、発行者、シリアル番号、有効期間と残り日数、鍵、SHA-256 フィンガープリント、同じカードの CA 証明書による署名か",
            Some(
                "証明書を表示します: 主体者、発行者、シリアル番号、有効期間と残り日数、鍵、SHA-256 フィンガープリント、同じカードの CA 証明書による署名か。\n\n\
                 auth、auth-ca、sign-ca は暗証番号が要りません。sign は verify-pin と同じく署名用パスワードを尋ねます: \
                 先に残り回数を読み、残り1回は --allow-last-try がなければ、ロックされていれば常に断り、間違えると1回減ります。",
            ),
        ),
        "export" => (
            "証明書を書き出します: 標準出力に PEM、--der で DER、--out でファイルに",
            Some(
                "証明書を書き出します: 標準出力に PEM、--der で DER、--out でファイルに。\n\n\
                 sign は verify-pin と同じ確認のうえ署名用パスワードを尋ねます。--out はシンボリックリンクを通して書かず、\
                 --force がなければ既にあるファイルを置き換えません。",
            ),
        ),
        "pins" => (
            "4つの暗証番号を説明します（カードは要りません）。それぞれの名前、形式、回数、求められる場面、ロックされたときの再設定先",
            None,
        ),
        "completions" => (
            "bash、zsh、fish、PowerShell、elvish 用のシェル補完スクリプトを出力します",
            None,
        ),
        "manpage" => (
            "man ページ（roff）を出力します。またはコマンドごとに一ページずつディレクトリに書きます",
            None,
        ),
        _ => return None,
    })
}

/// The PINs as `change-pin` and `verify-pin` name them, for their long help.
const PIN_VALUES: &str = "sign: 署名用電子証明書のパスワード（英大文字と数字6〜16文字）\n\
auth: 利用者証明用電子証明書の暗証番号（数字4桁）\n\
juki: 住民基本台帳用暗証番号（数字4桁）\n\
kenhojo: 券面事項入力補助用暗証番号（数字4桁）";

/// The certificates `certificate` names, for its long help.
const CERTIFICATE_KINDS: &str = "証明書:\n\
auth: 利用者証明用電子証明書（EF 00 0A、暗証番号は不要）\n\
auth-ca: その CA 証明書（EF 00 0B、暗証番号は不要）\n\
sign: 署名用電子証明書（EF 00 01、署名用パスワードを尋ねます）\n\
sign-ca: その CA 証明書（EF 00 02、暗証番号は不要）";

/// A flag's description in Japanese, short and long, by the command it is on and its id.
fn flag(command: &str, id: &str) -> Option<(&'static str, Option<String>)> {
    let plain = |text: &'static str| Some((text, None));
    match (command, id) {
        ("jpki", "reader") => Some((
            "使うリーダー: 正確な名前、`jpki readers` が示す番号、または名前の一部（一つに決まるもの）",
            Some(
                "使うリーダー: 正確な名前、`jpki readers` が示す番号、または名前の一部（一つに決まるもの）。\
                 環境変数 JPKI_READER でも指定できます"
                    .to_string(),
            ),
        )),
        ("jpki", "replay") => plain("リーダーの代わりに、記録したトレースファイルから応答します（オフラインの模擬リーダー）"),
        ("jpki", "virtual_card") => plain(
            "状態をこのファイルに持つ仮想マイナンバーカードを使います。状態は実行後に書き戻します（作るには `jpki-vcard init`）",
        ),
        ("jpki", "record") => plain("この実行のやり取りをすべてトレースファイルに書きます（暗証番号のバイトは伏せます）"),
        ("jpki", "lang") => plain(
            "表示の言語: ja（日本語）または en（英語）［既定: LC_ALL、LC_MESSAGES、LANG から］",
        ),
        ("jpki", "color") => plain(
            "暗証番号の状態の色: auto（端末なら付ける。NO_COLOR があれば付けず、CLICOLOR_FORCE があればパイプにも付ける）、always（常に）、never（付けない）",
        ),
        ("jpki", "json") => plain("人向けの文章の代わりに JSON オブジェクトを一つ出力します"),
        ("jpki", "wait") => plain(
            "カードが置かれるまで最大 SECONDS 秒待ちます（値がなければ無制限、0 なら一度だけ確かめます）",
        ),
        ("jpki", "today") => plain("テスト用: 残り日数を数えるとき、この日付（YYYY-MM-DD）を今日とします"),
        ("status", "pins_only") => plain("残り回数だけを読みます（ちょうど 14 APDU、5つのキー参照）。ほかは読みません"),
        ("change-pin", "stdin") => plain(
            "暗証番号を標準入力から読みます: 1行目に現在の暗証番号、2行目に新しい暗証番号、ほかには何も書きません",
        ),
        ("change-pin", "allow_last_try") => plain(
            "残りが1回だけでも進めます（現在の暗証番号を間違えると、その暗証番号はロックされます）",
        ),
        ("change-pin", "experimental") => plain(
            "住基の暗証番号を許します。その変更は一つの公開資料だけに基づきます（docs/protocol.md）",
        ),
        ("change-pin", "pins") => Some((
            "変更する暗証番号（sign、auth、juki、kenhojo）を順に。複数同時は4桁のものだけ",
            Some(format!(
                "変更する暗証番号を順に。複数同時は4桁のものだけ:\n{PIN_VALUES}"
            )),
        )),
        ("verify-pin", "stdin") => plain("暗証番号を標準入力から読みます: ちょうど1行"),
        ("verify-pin", "allow_last_try") => plain("残りが1回だけでも進めます（間違えるとロックされます）"),
        ("verify-pin", "experimental") => plain(
            "住基の暗証番号を許します。二つのキー参照にあり、市区町村の端末がどちらを確かめるかを示す公開資料はありません（docs/protocol.md）",
        ),
        ("verify-pin", "pin") => Some((
            "確かめる暗証番号（sign、auth、juki、kenhojo）",
            Some(format!("確かめる暗証番号:\n{PIN_VALUES}")),
        )),
        ("show" | "export", "kind") => Some((
            "証明書: auth（利用者証明用電子証明書）、auth-ca（その CA 証明書）、sign（署名用電子証明書）、sign-ca（その CA 証明書）",
            Some(CERTIFICATE_KINDS.to_string()),
        )),
        ("show" | "export", "stdin") => plain("sign: 署名用パスワードを標準入力から読みます: ちょうど1行"),
        ("show" | "export", "allow_last_try") => plain(
            "sign: 残りが1回だけでも進めます（間違えると署名用パスワードはロックされます）",
        ),
        ("export", "der") => plain("PEM の代わりに DER（バイナリ）で書きます"),
        ("export", "out") => plain("標準出力の代わりに、この新しいファイルに書きます"),
        ("export", "force") => plain(
            "--out と共に: 既にある通常のファイルを置き換えます（リンクやフォルダーは置き換えません）",
        ),
        ("completions", "shell") => plain("補完するシェル: bash、zsh、fish、powershell、elvish"),
        ("manpage", "out_dir") => plain(
            "jpki.1 を出力する代わりに、jpki.1 とサブコマンドごとのページをここに書きます",
        ),
        _ => None,
    }
}
