//! Time to read `.nii.gz` series into scaled f32 arrays, for comparison with nibabel
//! (benches/reference/nifti_read.py; benches/nifti_vs_nibabel.sh runs both).
//!
//!     cargo bench --bench nifti_read -- FILE...
//!
//! For each file: one untimed read (to warm the page cache), then the best of REPEATS timed reads
//! of `read_image`. MB/s counts the stored voxel bytes (shape × datatype size), the same measure
//! the Python script prints.

use std::path::Path;
use std::time::Instant;

use brainclip::data::nifti::read_image;

const REPEATS: usize = 5;

fn datatype_size(name: &str) -> usize {
    match name {
        "uint8" | "int8" => 1,
        "int16" | "uint16" => 2,
        "int32" | "float32" => 4,
        _ => 8,
    }
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if files.is_empty() {
        eprintln!("usage: cargo bench --bench nifti_read -- FILE.nii.gz...");
        std::process::exit(2);
    }
    for file in files {
        let path = Path::new(&file);
        let image = match read_image(path) {
            Ok(image) => image,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        let bytes = image.header.shape.iter().product::<usize>() * datatype_size(&image.header.datatype);
        drop(image);
        let mut best = f64::INFINITY;
        for _ in 0..REPEATS {
            let start = Instant::now();
            let image = read_image(path).expect("read failed after a successful first read");
            let seconds = start.elapsed().as_secs_f64();
            std::hint::black_box(&image);
            best = best.min(seconds);
        }
        println!("rust {file} seconds={best:.4} MB/s={:.1}", bytes as f64 / 1e6 / best);
    }
}
