//! The memory budget every reader checks before it allocates an array: a file (or a header in
//! it) can declare any shape, and allocating a shape the machine cannot hold aborts the process
//! instead of failing with an error. `brainclip script --max-memory` sets the budget; the default
//! is half of the machine's memory. The budget belongs to the thread that set it (a session runs
//! on one thread), so sessions with different budgets side by side do not disturb each other.

use std::cell::Cell;
use std::fmt;

thread_local! {
    /// 0 while no budget was set: [`memory_budget`] then gives [`default_memory_budget`].
    static BUDGET: Cell<u64> = const { Cell::new(0) };
}

/// Set the memory budget of this thread (bytes; 0 restores the default).
///
/// ```
/// use brainclip::data::formats::budget::{memory_budget, set_memory_budget, default_memory_budget};
/// set_memory_budget(1 << 30);
/// assert_eq!(memory_budget(), 1 << 30);
/// set_memory_budget(0);
/// assert_eq!(memory_budget(), default_memory_budget());
/// ```
pub fn set_memory_budget(bytes: u64) {
    BUDGET.with(|b| b.set(bytes));
}

/// The memory budget in bytes: what one array read from a file may take.
pub fn memory_budget() -> u64 {
    match BUDGET.with(Cell::get) {
        0 => default_memory_budget(),
        set => set,
    }
}

/// Half of the machine's physical memory (8 GiB where it cannot be read).
pub fn default_memory_budget() -> u64 {
    physical_memory().map_or(8 << 30, |total| total / 2)
}

/// Total physical memory from `/proc/meminfo` (Linux), in bytes.
fn physical_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// An allocation a file asked for that the budget refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverBudget {
    /// What would have been allocated, e.g. `a float32 array of shape [100000, 100000]`.
    pub what: String,
    /// Its size in bytes (`None`: more than 2⁶⁴).
    pub bytes: Option<u64>,
    /// The budget in force.
    pub budget: u64,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = self
            .bytes
            .map_or_else(|| "more than 2^64 bytes".to_string(), human_bytes);
        write!(
            f,
            "{} would take {size} of memory, more than the memory budget of {} \
             (raise it with --max-memory, e.g. --max-memory 64G, if the machine has the memory)",
            self.what,
            human_bytes(self.budget)
        )
    }
}

impl std::error::Error for OverBudget {}

/// Refuse `count` elements of `element_bytes` each when they exceed the budget (or overflow).
///
/// ```
/// use brainclip::data::formats::budget::{check_elements, set_memory_budget};
/// set_memory_budget(1 << 20);
/// assert!(check_elements(1000, 4, || "a small array".into()).is_ok());
/// let err = check_elements(100_000 * 100_000, 4, || "a float32 array of shape [100000, 100000]".into()).unwrap_err();
/// assert!(err.to_string().contains("37.3 GiB"), "{err}");
/// set_memory_budget(0);
/// ```
pub fn check_elements(count: u64, element_bytes: u64, what: impl FnOnce() -> String) -> Result<(), OverBudget> {
    check_bytes(count.checked_mul(element_bytes), what)
}

/// Refuse an allocation of `bytes` (`None`: overflowed) over the budget.
pub fn check_bytes(bytes: Option<u64>, what: impl FnOnce() -> String) -> Result<(), OverBudget> {
    let budget = memory_budget();
    match bytes {
        Some(b) if b <= budget => Ok(()),
        bytes => Err(OverBudget {
            what: what(),
            bytes,
            budget,
        }),
    }
}

/// The product of a shape's sides, `None` when it overflows.
///
/// ```
/// assert_eq!(brainclip::data::formats::budget::element_count(&[3, 4]), Some(12));
/// assert_eq!(brainclip::data::formats::budget::element_count(&[usize::MAX, 2]), None);
/// ```
pub fn element_count(shape: &[usize]) -> Option<u64> {
    shape
        .iter()
        .try_fold(1u64, |acc, &side| acc.checked_mul(u64::try_from(side).ok()?))
}

/// `37.3 GiB`, `512 B`.
///
/// ```
/// assert_eq!(brainclip::data::formats::budget::human_bytes(40_000_000_000), "37.3 GiB");
/// assert_eq!(brainclip::data::formats::budget::human_bytes(512), "512 B");
/// ```
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Parse a size as `--max-memory` takes it: bytes, or a number with K, M, G or T (powers of
/// 1024; a trailing `B` or `iB` is allowed).
///
/// ```
/// use brainclip::data::formats::budget::parse_size;
/// assert_eq!(parse_size("64G"), Ok(64 << 30));
/// assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
/// assert_eq!(parse_size("4096"), Ok(4096));
/// assert!(parse_size("lots").is_err());
/// ```
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write e.g. 512M, 16G or 1T"))?;
    let unit = unit.trim().to_ascii_uppercase();
    let scale: u64 = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("`{text}`: unknown unit `{unit}`; use K, M, G or T")),
    };
    let bytes = number * scale as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(format!("`{text}` is not a usable size"));
    }
    Ok(bytes as u64)
}
