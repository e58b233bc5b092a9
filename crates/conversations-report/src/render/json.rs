//! JSON: `{"reports": [...]}`, each a [`Report`](crate::Report) (money as exact decimal
//! strings, counts as numbers, rows without a creation time in `undated`).

use crate::error::ReportError;
use crate::report::Report;

pub(super) fn json(reports: &[Report]) -> Result<Vec<u8>, ReportError> {
    let mut out = serde_json::to_vec_pretty(&serde_json::json!({ "reports": reports }))
        .map_err(|e| ReportError::Io(e.into()))?;
    out.push(b'\n');
    Ok(out)
}
