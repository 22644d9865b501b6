//! CSV as every view writes it: the Results tables, Compare, the scaling
//! sweep, `clusterforge compare --csv`. One writer (the `csv` crate, RFC
//! 4180 quoting, CRLF line ends) and one way to write a number, so a
//! spreadsheet reads the same figure from any of them.

/// A number as CSV writes it: the shortest text that reads back to the same
/// value; empty for NaN and infinities (a blank cell, not "inf").
pub fn number(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { String::new() }
}

/// A figure that may be missing: empty when it is.
pub fn opt_number(v: Option<f64>) -> String {
    v.map(number).unwrap_or_default()
}

/// A CSV document: the header, then the rows (rows may differ in length).
pub fn document<R, F>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = Vec<F>>,
    F: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    // Writing into a Vec cannot fail (no I/O; `flexible` allows any row length).
    let _ = w.write_record(header);
    for row in rows {
        let _ = w.write_record(&row);
    }
    w.into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed_and_read_back_whole() {
        let rows = vec![vec![
            "1".to_owned(),
            "x,y".into(),
            "say \"hi\"".into(),
            "two\nlines".into(),
        ]];
        let doc = document(&["a", "b", "c", "d"], rows.clone());
        assert!(
            doc.starts_with("a,b,c,d\r\n1,\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"),
            "{doc:?}"
        );
        let mut r = csv::Reader::from_reader(doc.as_bytes());
        let back: Vec<Vec<String>> = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(back, rows);
    }

    #[test]
    fn numbers_round_trip_and_missing_ones_are_blank() {
        for v in [0.0, 1.5, 1e-12, 123456789.125, -3.0] {
            assert_eq!(number(v).parse::<f64>().ok(), Some(v));
        }
        assert_eq!(number(f64::NAN), "");
        assert_eq!(number(f64::INFINITY), "");
        assert_eq!(opt_number(None), "");
        assert_eq!(opt_number(Some(2.0)), "2");
    }

    #[test]
    fn rows_of_different_length_are_kept() {
        let doc = document(&["a", "b"], vec![vec!["1"], vec!["1", "2", "3"]]);
        assert_eq!(doc, "a,b\r\n1\r\n1,2,3\r\n");
    }
}
