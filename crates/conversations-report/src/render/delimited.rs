//! CSV: `period,<by>,<measures…>`, one line for each period's total (group `total`) then one
//! per group, figures as exact decimals. The footer is not a CSV line: the CLI prints it on
//! stderr.

use crate::error::ReportError;
use crate::report::Report;

pub(super) fn csv(report: &Report) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| ReportError::Io(std::io::Error::other(e));
    let mut header = vec!["period".to_owned(), report.by.clone()];
    header.extend(report.measures.iter().map(|m| (*m).to_owned()));
    w.write_record(&header).map_err(io)?;
    for p in &report.periods {
        let mut row = vec![p.period.clone(), "total".to_owned()];
        row.extend(p.total.iter().map(ToString::to_string));
        w.write_record(&row).map_err(io)?;
        for (g, figures) in report.groups.iter().zip(&p.groups) {
            if figures.iter().all(|f| f.value.is_zero()) {
                continue;
            }
            let mut row = vec![p.period.clone(), g.clone()];
            row.extend(figures.iter().map(ToString::to_string));
            w.write_record(&row).map_err(io)?;
        }
    }
    w.into_inner().map_err(|e| ReportError::Io(e.into_error()))
}
