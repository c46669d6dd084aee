//! Licences from a spreadsheet: CSV (RFC 4180, a header row naming the columns) read
//! into `LicenceRecordInput`s, each row checked as the API checks a request.

use std::collections::BTreeMap;

use super::licence::{CoversInput, LicenceRecordInput};

/// The columns a licence CSV may have; `reference` and `licensor` are required.
/// Lists (`outlets`, `source_hosts`, `rights`) separate their items with `;`.
pub const COLUMNS: [&str; 10] = [
    "reference",
    "licensor",
    "licensor_contact",
    "outlets",
    "source_hosts",
    "starts_at",
    "ends_at",
    "rights",
    "attribution_required",
    "edits_allowed",
];

/// Splits CSV text into records of fields, each with the line it starts on. Quoted
/// fields may hold commas, doubled quotes and line breaks.
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut out = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let (mut line, mut start) = (1usize, 1usize);
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.trim().is_empty()) {
                    out.push((start, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {start}: a quoted field is not closed"));
    }
    record.push(field);
    if record.iter().any(|f| !f.trim().is_empty()) {
        out.push((start, record));
    }
    Ok(out)
}

/// The header's column names, checked: each known, none twice, the required ones there.
pub fn header(fields: &[String]) -> Result<Vec<String>, String> {
    let names: Vec<String> = fields
        .iter()
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    for (i, n) in names.iter().enumerate() {
        if !COLUMNS.contains(&n.as_str()) {
            return Err(format!(
                "unknown column {n:?}; the columns are {}",
                COLUMNS.join(", ")
            ));
        }
        if names[..i].contains(n) {
            return Err(format!("column {n:?} appears twice"));
        }
    }
    for required in ["reference", "licensor"] {
        if !names.iter().any(|n| n == required) {
            return Err(format!("the header has no {required:?} column"));
        }
    }
    Ok(names)
}

fn list(v: Option<&String>) -> Option<Vec<String>> {
    v.map(|v| {
        v.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// One row as the API's request, or what is wrong with a cell that is not text.
pub fn row(names: &[String], fields: &[String]) -> Result<LicenceRecordInput, String> {
    if fields.len() != names.len() {
        return Err(format!(
            "has {} fields; the header has {}",
            fields.len(),
            names.len()
        ));
    }
    let cells: BTreeMap<&str, String> = names
        .iter()
        .map(String::as_str)
        .zip(fields.iter().cloned())
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let flag = |name: &str| -> Result<Option<bool>, String> {
        match cells
            .get(name)
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None => Ok(None),
            Some("true" | "yes" | "1") => Ok(Some(true)),
            Some("false" | "no" | "0") => Ok(Some(false)),
            Some(other) => Err(format!("{name}: {other:?} is not true or false")),
        }
    };
    Ok(LicenceRecordInput {
        reference: cells.get("reference").cloned(),
        licensor: cells.get("licensor").cloned(),
        licensor_contact: cells.get("licensor_contact").cloned(),
        covers: Some(CoversInput {
            outlets: list(cells.get("outlets")),
            source_hosts: list(cells.get("source_hosts")),
        }),
        starts_at: cells.get("starts_at").cloned(),
        ends_at: cells.get("ends_at").cloned(),
        rights: list(cells.get("rights")),
        attribution_required: flag("attribution_required")?,
        edits_allowed: flag("edits_allowed")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let r = records("a,b\r\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n\n1,2").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(
            r[1],
            (2, vec!["x, y".to_string(), "say \"hi\"\nthere".into()])
        );
        assert_eq!(r[2].0, 5, "the line a record starts on");
        assert!(records("a,\"b").is_err());
    }

    #[test]
    fn the_header_is_checked() {
        let h = |s: &str| header(&s.split(',').map(str::to_string).collect::<Vec<_>>());
        assert!(h("reference,licensor,ends_at").is_ok());
        assert!(
            h("reference,licensor,colour")
                .unwrap_err()
                .contains("colour")
        );
        assert!(h("reference,ends_at").unwrap_err().contains("licensor"));
        assert!(h("reference,licensor,reference").is_err());
    }

    #[test]
    fn a_row_becomes_a_request() {
        let names = header(&[
            "reference".into(),
            "licensor".into(),
            "outlets".into(),
            "edits_allowed".into(),
        ])
        .unwrap();
        let r = row(
            &names,
            &[
                "R-1".into(),
                "杭州日报".into(),
                "杭州日报; 都市快报".into(),
                "no".into(),
            ],
        )
        .unwrap();
        assert_eq!(r.covers.unwrap().outlets.unwrap(), ["杭州日报", "都市快报"]);
        assert_eq!(r.edits_allowed, Some(false));
        assert!(row(&names, &["R-1".into()]).is_err());
        assert!(
            row(
                &names,
                &["R".into(), "L".into(), "O".into(), "maybe".into()]
            )
            .is_err()
        );
    }
}
