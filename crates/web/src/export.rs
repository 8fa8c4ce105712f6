//! The figures' tables as files: XLSX (one sheet per table, the title and the
//! period and filters above the headers, numbers as numbers) and CSV.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use onestamp_app::report::Table;

/// A workbook of `tables`, each on its own sheet named after its title.
pub fn xlsx(tables: &[Table], scope_label: &str) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for t in tables {
        let sheet = book.add_worksheet();
        // Sheet names: at most 31 characters, none of []:*?/\ (titles have none).
        let name: String = t
            .title
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        sheet.set_name(&name)?;
        sheet.write_string_with_format(0, 0, t.title, &bold)?;
        sheet.write_string(1, 0, format!("统计范围：{scope_label}"))?;
        for (c, h) in (0u16..).zip(&t.headers) {
            sheet.write_string_with_format(3, c, *h, &bold)?;
            sheet.set_column_width(c, if c == 0 { 28 } else { 14 })?;
        }
        for (r, row) in (4u32..).zip(&t.rows) {
            for (c, cell) in (0u16..).zip(row) {
                match cell.number {
                    Some(n) => sheet.write_number(r, c, n)?,
                    None => sheet.write_string(r, c, &cell.text)?,
                };
            }
        }
    }
    book.save_to_buffer()
}
