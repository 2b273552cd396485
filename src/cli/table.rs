//! Aligned text tables for the terminal: a header row, then one row per
//! item, columns two spaces apart.

use std::fmt;

/// A table to print with `{}`.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column names.
    pub fn new(header: &[&'static str]) -> Self {
        Self {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (one cell per column).
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header: Vec<String> = self.header.iter().map(|h| (*h).to_owned()).collect();
        let lines = std::iter::once(&header).chain(&self.rows);
        let mut widths = vec![0; self.header.len()];
        for line in lines.clone() {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for line in lines {
            let mut text = String::new();
            for (cell, width) in line.iter().zip(&widths) {
                text.push_str(&format!("{cell:<width$}  "));
            }
            writeln!(f, "{}", text.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_under_the_widest_cell() {
        let mut table = Table::new(&["ID", "NAME", "STATE"]);
        table.push(vec!["1".into(), "alice".into(), "active".into()]);
        table.push(vec!["12".into(), "bo".into(), "-".into()]);
        assert_eq!(
            table.to_string(),
            "ID  NAME   STATE\n1   alice  active\n12  bo     -\n"
        );
    }
}
