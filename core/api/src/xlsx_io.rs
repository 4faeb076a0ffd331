//! Spreadsheets (XLSX) in and out: the first sheet of an upload read as a [`Sheet`] for the
//! contacts import, and reports written as one sheet with a header row.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use tucan_model::ErrorCode;

use crate::csv_io::{MAX_IMPORT_ROWS, Sheet, too_many_rows};
use crate::error::{ApiError, ApiResult};

/// A cell as the import reads it: numbers without a fraction as integers (a phone typed
/// into a spreadsheet is a number there).
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::Error(e) => return Err(format!("the cell holds an error ({e})")),
        other => other.to_string(),
    })
}

/// The first sheet of an XLSX upload: its first row is the header row.
pub fn read_sheet(bytes: &[u8]) -> ApiResult<Sheet> {
    let bad = |why: String| ApiError::new(ErrorCode::InvalidCsv, why);
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| bad(format!("not a readable XLSX file: {e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| bad("the file has no sheet".into()))?
        .map_err(|e| bad(format!("cannot read the first sheet: {e}")))?;
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .ok_or_else(|| bad("the first sheet is empty".into()))?
        .iter()
        .map(|c| cell_text(c).unwrap_or_default().trim().to_lowercase())
        .collect();
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        if row.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        if out.len() >= MAX_IMPORT_ROWS {
            return Err(too_many_rows());
        }
        let line = i as u64 + 2;
        out.push((
            line,
            row.iter().map(cell_text).collect::<Result<Vec<_>, _>>(),
        ));
    }
    Ok(Sheet { headers, rows: out })
}

/// One cell of a report.
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

/// A one-sheet workbook: a bold header row, then the rows (text stays text: nothing a
/// customer typed is ever read as a formula).
pub fn write_sheet(name: &str, headers: &[&str], rows: &[Vec<Cell>]) -> ApiResult<Vec<u8>> {
    let fail = |e: rust_xlsxwriter::XlsxError| {
        tracing::error!(error = %e, "a spreadsheet could not be written");
        ApiError::internal()
    };
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(name).map_err(fail)?;
    for (col, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *h, &bold)
            .map_err(fail)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (col, cell) in row.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(t) => sheet.write_string(r, col, t).map(|_| ()),
                Cell::Number(n) => sheet.write_number(r, col, *n).map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_sheet_reads_back_with_phones_as_digits() {
        let bytes = write_sheet(
            "Contacts",
            &["Name", "Phone", "Plan"],
            &[
                vec![
                    Cell::Text("Ana".into()),
                    Cell::Number(5511999990001.0),
                    Cell::Text("=1+1".into()),
                ],
                vec![Cell::Empty, Cell::Empty, Cell::Empty],
                vec![
                    Cell::Text("Bruno".into()),
                    Cell::Text("+55 11 99999-0002".into()),
                    Cell::Empty,
                ],
            ],
        )
        .unwrap();
        let sheet = read_sheet(&bytes).unwrap();
        assert_eq!(sheet.headers, ["name", "phone", "plan"]);
        assert_eq!(sheet.rows.len(), 2, "the empty row is skipped");
        assert_eq!(
            sheet.rows[0].1.as_ref().unwrap(),
            &["Ana", "5511999990001", "=1+1"]
        );
        assert_eq!(sheet.rows[1].0, 4, "lines count the skipped row");
        assert_eq!(sheet.rows[1].1.as_ref().unwrap()[1], "+55 11 99999-0002");
    }

    #[test]
    fn what_is_not_a_spreadsheet_is_refused_with_a_code() {
        let e = read_sheet(b"name,phone\nAna,1").err().unwrap();
        assert_eq!(e.body().code, "INVALID_CSV");
    }
}
