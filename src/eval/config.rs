//! Settings shared by the evaluation functions; they are recorded in every report.

use serde::{Deserialize, Serialize};

use super::{EvalError, Similarity};

/// Upper bound on bootstrap resamples, permutations and N-way repeats (a typo must not run for hours).
///
/// ```
/// use brainclip::eval::{EvalConfig, MAX_RESAMPLES};
///
/// let cfg = EvalConfig { permutations: MAX_RESAMPLES + 1, ..Default::default() };
/// assert!(cfg.validate().is_err());
/// ```
pub const MAX_RESAMPLES: usize = 1_000_000;

/// What to compute and how: the k of the top-k accuracies, the similarity measure, the number of
/// bootstrap resamples and label permutations, the N-way protocols, the identification tests
/// and the seed of every random draw. The defaults follow the literature: top-1 and top-5,
/// cosine similarity, 1000 bootstrap resamples, 1000 permutations, no N-way protocol, 30 repeats
/// when one is asked for (MindEye), exact 2-way identification (Brain-Diffuser, Takagi &
/// Nishimoto), seed 0.
///
/// ```
/// use brainclip::eval::{EvalConfig, Similarity};
///
/// let cfg = EvalConfig { n_way: vec![300], similarity: Similarity::Pearson, ..Default::default() };
/// cfg.validate()?;
/// assert_eq!((cfg.repeats, cfg.bootstrap), (30, 1000));
/// let bad = EvalConfig { ks: vec![0], ..Default::default() };
/// assert!(bad.validate().is_err());
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    /// The k of each top-k accuracy (each in 1..=candidates).
    #[serde(rename = "k")]
    #[schemars(inner(range(min = 1)))]
    pub ks: Vec<usize>,
    /// How predictions and candidates are compared (euclidean: negative distance).
    pub similarity: Similarity,
    /// Bootstrap resamples for the 95 % CIs of the top-k accuracies (0 = none).
    #[schemars(range(max = 1_000_000))]
    pub bootstrap: usize,
    /// Label permutations for the zero-shot permutation null (0 = none).
    #[schemars(range(max = 1_000_000))]
    pub permutations: usize,
    /// N of each N-way retrieval protocol (N random candidates including the true one), e.g.
    /// [300] as in MindEye.
    #[schemars(inner(range(min = 2)))]
    pub n_way: Vec<usize>,
    /// Random draws of each N-way protocol.
    #[schemars(range(max = 1_000_000))]
    pub repeats: usize,
    /// n of each exact n-way identification test (2 = pairwise identification).
    #[schemars(inner(range(min = 2)))]
    pub identification: Vec<usize>,
    /// Seed of the bootstrap, the permutations and the N-way draws.
    pub seed: u64,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            ks: vec![1, 5],
            similarity: Similarity::Cosine,
            bootstrap: 1000,
            permutations: 1000,
            n_way: Vec::new(),
            repeats: 30,
            identification: vec![2],
            seed: 0,
        }
    }
}

impl EvalConfig {
    /// The default settings with the given k.
    ///
    /// ```
    /// let cfg = brainclip::eval::EvalConfig::with_ks(&[1, 10]);
    /// assert_eq!(cfg.ks, [1, 10]);
    /// ```
    pub fn with_ks(ks: &[usize]) -> Self {
        Self {
            ks: ks.to_vec(),
            ..Self::default()
        }
    }

    /// Checks the settings that do not depend on the data (the candidate count is checked by
    /// [`EvalConfig::validate_for`]).
    pub fn validate(&self) -> Result<(), EvalError> {
        let setting = |name, expected: &str, found: String| EvalError::InvalidSetting {
            name,
            expected: expected.into(),
            found,
        };
        if self.ks.is_empty() {
            return Err(EvalError::Empty("the list of k"));
        }
        if let Some(&k) = self.ks.iter().find(|&&k| k == 0) {
            return Err(setting("k", "every k at least 1", k.to_string()));
        }
        if let Some(&n) = self.n_way.iter().find(|&&n| n < 2) {
            return Err(setting("n_way", "every N at least 2", n.to_string()));
        }
        if let Some(&n) = self.identification.iter().find(|&&n| n < 2) {
            return Err(setting("identification", "every n at least 2", n.to_string()));
        }
        if !self.n_way.is_empty() && self.repeats == 0 {
            return Err(setting("repeats", "at least 1 draw per N-way protocol", "0".into()));
        }
        let limit = format!("at most {MAX_RESAMPLES}");
        for (name, v) in [
            ("bootstrap", self.bootstrap),
            ("permutations", self.permutations),
            ("repeats", self.repeats),
        ] {
            if v > MAX_RESAMPLES {
                return Err(setting(name, &limit, v.to_string()));
            }
        }
        Ok(())
    }

    /// [`EvalConfig::validate`], then checks every k against the number of candidates (the
    /// N-way and identification settings only apply to retrieval).
    ///
    /// ```
    /// use brainclip::eval::{EvalConfig, EvalError};
    ///
    /// let cfg = EvalConfig { n_way: vec![300], ..Default::default() };
    /// assert!(cfg.validate_ks(50).is_ok());
    /// assert_eq!(cfg.validate_ks(4), Err(EvalError::InvalidK { k: 5, candidates: 4 }));
    /// ```
    pub fn validate_ks(&self, candidates: usize) -> Result<(), EvalError> {
        self.validate()?;
        match self.ks.iter().find(|&&k| k > candidates) {
            Some(&k) => Err(EvalError::InvalidK { k, candidates }),
            None => Ok(()),
        }
    }

    /// [`EvalConfig::validate_ks`], then checks every N-way N and identification n against the
    /// number of candidates (for retrieval).
    ///
    /// ```
    /// use brainclip::eval::EvalConfig;
    ///
    /// let cfg = EvalConfig { n_way: vec![300], ..Default::default() };
    /// let err = cfg.validate_for(50).unwrap_err().to_string();
    /// assert_eq!(err, "n_way: expected N between 2 and the number of candidates (50), found 300");
    /// ```
    pub fn validate_for(&self, candidates: usize) -> Result<(), EvalError> {
        self.validate_ks(candidates)?;
        for (name, what, values) in [
            ("n_way", "N", &self.n_way),
            ("identification", "n", &self.identification),
        ] {
            if let Some(&n) = values.iter().find(|&&n| n > candidates) {
                return Err(EvalError::InvalidSetting {
                    name,
                    expected: format!("{what} between 2 and the number of candidates ({candidates})"),
                    found: n.to_string(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_unknown_keys() {
        let cfg = EvalConfig {
            n_way: vec![2, 300],
            seed: 7,
            ..Default::default()
        };
        let json = serde_json::to_string(&cfg).unwrap();
        assert_eq!(serde_json::from_str::<EvalConfig>(&json).unwrap(), cfg);
        let partial: EvalConfig = serde_json::from_str(r#"{"similarity": "euclidean"}"#).unwrap();
        assert_eq!(partial.similarity, Similarity::Euclidean);
        assert_eq!(partial.ks, [1, 5]);
        assert!(serde_json::from_str::<EvalConfig>(r#"{"seeds": 1}"#).is_err());
    }

    #[test]
    fn invalid_settings() {
        let bad = |cfg: EvalConfig| cfg.validate().unwrap_err().to_string();
        assert_eq!(bad(EvalConfig::with_ks(&[])), "the list of k is empty");
        let cfg = EvalConfig {
            n_way: vec![1],
            ..Default::default()
        };
        assert_eq!(bad(cfg), "n_way: expected every N at least 2, found 1");
        let cfg = EvalConfig {
            n_way: vec![10],
            repeats: 0,
            ..Default::default()
        };
        assert!(bad(cfg).starts_with("repeats"));
        let cfg = EvalConfig {
            bootstrap: MAX_RESAMPLES + 1,
            ..Default::default()
        };
        assert!(bad(cfg).starts_with("bootstrap: expected at most"));
        assert_eq!(
            EvalConfig::with_ks(&[10]).validate_for(5),
            Err(EvalError::InvalidK { k: 10, candidates: 5 })
        );
        let cfg = EvalConfig {
            identification: vec![6],
            ..Default::default()
        };
        assert!(cfg.validate_for(5).is_err());
        assert!(cfg.validate_for(6).is_ok());
    }
}
