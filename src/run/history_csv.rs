//! `history.csv`: one row per epoch of every training run in a script.

use std::collections::BTreeSet;

use crate::train::EpochRecord;

/// CSV text of the histories, labelled by run; loss-term columns are the union over runs.
pub fn history_csv(histories: &[(String, Vec<EpochRecord>)]) -> Result<Vec<u8>, csv::Error> {
    let terms: BTreeSet<&str> = histories
        .iter()
        .flat_map(|(_, h)| h.iter().flat_map(|r| r.terms.keys().map(String::as_str)))
        .collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "run",
        "epoch",
        "lr",
        "train_loss",
        "val_loss",
        "temperature",
        "elapsed_s",
    ];
    header.extend(terms.iter());
    out.write_record(&header)?;
    for (label, records) in histories {
        for r in records {
            let mut row = vec![
                label.clone(),
                r.epoch.to_string(),
                format!("{:e}", r.lr),
                r.train_loss.to_string(),
                r.val_loss.map(|v| v.to_string()).unwrap_or_default(),
                r.temperature.to_string(),
                format!("{:.3}", r.elapsed_s),
            ];
            row.extend(
                terms
                    .iter()
                    .map(|t| r.terms.get(*t).map(|v| v.to_string()).unwrap_or_default()),
            );
            out.write_record(&row)?;
        }
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_of_terms_and_empty_cells() {
        let rec = |epoch, term: &str| EpochRecord {
            epoch,
            lr: 1e-3,
            train_loss: 2.5,
            terms: [(term.to_string(), 1.25)].into(),
            temperature: 0.05,
            val_loss: None,
            elapsed_s: 1.0,
        };
        let csv = history_csv(&[
            ("a".into(), vec![rec(1, "image_clip")]),
            ("b".into(), vec![rec(1, "text_clip")]),
        ])
        .unwrap();
        let text = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "run,epoch,lr,train_loss,val_loss,temperature,elapsed_s,image_clip,text_clip"
        );
        assert_eq!(lines[1], "a,1,1e-3,2.5,,0.05,1.000,1.25,");
        assert_eq!(lines[2], "b,1,1e-3,2.5,,0.05,1.000,,1.25");
    }
}
