//! The BData HDF5 reader, and one function that reads all of a file with it.

#[path = "../../../../src/data/bdata/error.rs"]
mod error;
pub use error::BDataError;

#[path = "../../../../src/data/bdata/hdf5.rs"]
mod hdf5;

/// Open `path` as HDF5 and read every dataset under the root and its groups (two levels), as
/// numbers and as strings: what `load_bdata` and `load_god` do with a file.
pub fn read_everything(path: &std::path::Path) {
    let Ok(file) = hdf5::H5File::open(path) else {
        return;
    };
    let mut groups = vec![String::from("/")];
    for depth in 0..3 {
        let mut next = Vec::new();
        for group in &groups {
            let Ok(Some(members)) = file.members(group) else {
                continue;
            };
            for dataset in &members.datasets {
                let object = format!("{}/{dataset}", group.trim_end_matches('/'));
                let _ = file.read_numeric(&object);
                let _ = file.read_matrix(&object);
                let _ = file.read_strings(&object);
            }
            if depth < 2 {
                next.extend(members.groups.iter().map(|g| format!("{}/{g}", group.trim_end_matches('/'))));
            }
        }
        groups = next;
    }
}
