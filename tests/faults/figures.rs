//! The figures docs/reliability.md gives, checked against what the tests count.

use super::cases::cases;
use super::model::Case;
use super::runner::runs_of;

/// The rows of docs/reliability.md's tables that hold figures the tests count: the in-process
/// tests' rows, by the test's name.
pub(super) const IN_PROCESS_STATUS: &str =
    "`status_in_process_never_sends_a_pin_and_stops_when_the_card_is_gone`";
pub(super) const IN_PROCESS_CHANGE: &str =
    "`change_pin_over_the_virtual_card_costs_at_most_the_try_typed`";
pub(super) const IN_PROCESS_VERIFY: &str =
    "`verify_pin_over_the_virtual_card_costs_at_most_the_try_typed`";
pub(super) const IN_PROCESS_INTERACTIVE_CHANGE: &str =
    "`interactive_change_pin_over_the_virtual_card_costs_at_most_the_try_typed`";
pub(super) const IN_PROCESS_INTERACTIVE_VERIFY: &str =
    "`interactive_verify_pin_over_the_virtual_card_costs_at_most_the_try_typed`";
pub(super) const IN_PROCESS_PLAIN_STATUS: &str =
    "`plain_status_over_the_virtual_card_reports_certificate_faults_and_sends_no_pin`";
pub(super) const IN_PROCESS_ROWS: [&str; 6] = [
    IN_PROCESS_STATUS,
    IN_PROCESS_CHANGE,
    IN_PROCESS_VERIFY,
    IN_PROCESS_INTERACTIVE_CHANGE,
    IN_PROCESS_INTERACTIVE_VERIFY,
    IN_PROCESS_PLAIN_STATUS,
];
/// The row of the total over the whole of tests/faults/.
pub(super) const TOTAL_ROW: &str = "all of tests/faults/";

/// The cells of the table row of docs/reliability.md whose first cell is `row`, trimmed.
pub(super) fn documented_row(row: &str) -> Vec<String> {
    let text = crate::util::repository_file("docs/reliability.md");
    let rows: Vec<Vec<String>> = text
        .lines()
        .filter_map(|l| l.strip_prefix('|')?.strip_suffix('|'))
        .map(|l| {
            l.split('|')
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|cells| cells[0] == row)
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "docs/reliability.md must hold exactly one table row whose first cell is {row}"
    );
    rows.into_iter().next().unwrap()
}

/// A figure in a table cell, written with or without thousands separators.
pub(super) fn figure(cell: &str) -> usize {
    cell.trim_matches('*')
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{cell:?} in docs/reliability.md is not a figure"))
}

/// The figure in the last cell of the row `row`.
pub(super) fn documented(row: &str) -> usize {
    figure(documented_row(row).last().unwrap())
}

/// Fail unless docs/reliability.md gives `counted` for the row `row`.
pub(super) fn assert_documented(row: &str, counted: usize) {
    let said = documented(row);
    assert_eq!(
        said, counted,
        "docs/reliability.md gives {said} for {row}, the test counts {counted}: correct the doc"
    );
}

/// Which row of the binary harness's table a case counts in: by the command it runs.
pub(super) fn command_row(case: &Case) -> &'static str {
    let command = case
        .args
        .iter()
        .find(|a| ["status", "readers", "doctor", "change-pin", "verify-pin"].contains(a))
        .expect("a command");
    match *command {
        "status" if case.args.contains(&"--pins-only") => "`status --pins-only`",
        "status" => "`status`",
        "readers" => "`readers`",
        "doctor" => "`doctor`",
        "change-pin" => "`change-pin --stdin`",
        _ => "`verify-pin --stdin`",
    }
}

/// The harness's figures in docs/reliability.md (cases and runs per command, the totals) are
/// what the cases and traces give, without running them: the runs are built here as
/// `every_fault_at_every_step_is_handled` builds them. The in-process rows are checked by their
/// own tests, which count their runs as they go; here only that the total adds up.
#[test]
fn the_figures_in_docs_reliability_md_are_the_ones_the_tests_count() {
    let cases = cases();
    let mut rows: Vec<(&str, usize, usize)> = Vec::new();
    let mut binary = 0;
    for (i, case) in cases.iter().enumerate() {
        let runs = runs_of(i, case).len();
        binary += runs;
        let row = command_row(case);
        match rows.iter_mut().find(|(r, _, _)| *r == row) {
            Some((_, n, total)) => {
                *n += 1;
                *total += runs;
            }
            None => rows.push((row, 1, runs)),
        }
    }
    for (row, n, runs) in &rows {
        let cells = documented_row(row);
        assert_eq!(
            (figure(&cells[1]), figure(cells.last().unwrap())),
            (*n, *runs),
            "docs/reliability.md's row {row}: (cases, runs) are not what the harness builds"
        );
    }
    let through_binary = documented_row("through the binary");
    assert_eq!(
        (
            figure(&through_binary[1]),
            figure(through_binary.last().unwrap())
        ),
        (cases.len(), binary),
        "docs/reliability.md's row \"through the binary\": (cases, runs)"
    );
    let in_process: usize = IN_PROCESS_ROWS.iter().map(|row| documented(row)).sum();
    assert_documented(TOTAL_ROW, binary + in_process);
    println!(
        "figures: {binary} binary runs over {} cases, {in_process} in process, {} in all",
        cases.len(),
        binary + in_process
    );
}
