//! `--format csv` neutralises cells that spreadsheets would run as formulas (every phone
//! number starts with `+`), `--csv-raw` turns that off, and `--help` says so.
#![allow(clippy::unwrap_used)]

mod common;

use common::{bare, sandbox_list};

/// The non-empty phone cells (customer's and business's) of the sandbox's Autocalls records
/// as CSV, with `extra` flags.
fn phones(extra: &[&str]) -> Vec<String> {
    let output = sandbox_list("autocalls")
        .args(["--limit", "20", "--format", "csv"])
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let columns: Vec<usize> = ["customer_phone", "business_phone"]
        .iter()
        .map(|name| headers.iter().position(|h| h == *name).unwrap())
        .collect();
    let mut phones = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        for &column in &columns {
            let cell = record.get(column).unwrap();
            if !cell.is_empty() {
                phones.push(cell.to_owned());
            }
        }
    }
    assert!(!phones.is_empty(), "no phone in the sandbox's records");
    phones
}

#[test]
fn phone_numbers_are_neutralised_unless_raw() {
    let guarded = phones(&[]);
    assert!(guarded.iter().all(|p| p.starts_with("'+")), "{guarded:?}");
    let raw = phones(&["--csv-raw"]);
    assert!(raw.iter().all(|p| p.starts_with('+')), "{raw:?}");
}

#[test]
fn help_tells_about_the_guard_and_the_way_out() {
    let output = bare().args(["list", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("--csv-raw"), "{help}");
    assert!(help.contains("formulas"), "{help}");
}
