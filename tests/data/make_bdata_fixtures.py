"""Write the HDF5 / BData test fixtures in this folder (not run by `cargo test`).

    python3 -m venv .venv && .venv/bin/pip install h5py==3.16.0 numpy==2.4.6 bdpy==0.26
    .venv/bin/python tests/data/make_bdata_fixtures.py          # writes tests/data/*.h5
    .venv/bin/python tests/data/make_bdata_fixtures.py --dump   # prints what h5py reads back
    .venv/bin/python tests/data/make_bdata_fixtures.py --sample-vmap ../shared/fixtures/bdata/sample_vmap.h5
                                                  # rewrites sample_vmap.h5.gz from bdpy's original

The Rust tests compare against the values below (formulas, not random numbers, where possible) and
against the numbers `--dump` prints. Every file is deterministic apart from bdpy's header (ctime,
callstack), which no test reads.
"""

import os
import sys
import warnings

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def path(name):
    return os.path.join(HERE, name)


# Plain h5py files: one content, three superblock versions -----------------------------------


def grid(rows, cols):
    """v[i, j] = 100 i + j + 0.5: every value tells where it came from."""
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return (100.0 * i + j + 0.5).astype(np.float64)


def write_mixed(name, libver):
    with h5py.File(path(name), "w", libver=libver) as f:
        f.attrs["title"] = np.bytes_(b"mixed fixture")  # fixed-length byte string attribute
        f.attrs["title_utf8"] = "gemischt \u00e4 \u65e5\u672c"  # variable-length UTF-8 attribute
        f.attrs["version"] = np.int64(3)
        f.attrs["scale"] = np.float64(0.125)
        f.attrs["shape_hint"] = np.array([4, 6], dtype=np.int32)

        g = f.create_group("floats")
        contiguous = grid(5, 7)
        contiguous[0, 1] = np.nan
        contiguous[0, 2] = -np.inf
        contiguous[0, 3] = -0.0
        g.create_dataset("contiguous", data=contiguous)
        g.create_dataset("chunked_gzip", data=grid(13, 9), chunks=(4, 4), compression="gzip", compression_opts=4)
        g.create_dataset(
            "chunked_gzip_shuffle", data=grid(10, 6), chunks=(3, 6), compression="gzip", shuffle=True
        )
        g.create_dataset("chunked_plain", data=grid(6, 5), chunks=(4, 2))
        g.create_dataset("single_chunk", data=grid(3, 4), chunks=(3, 4), compression="gzip")
        # Resizable datasets: with libver='latest' these use the extensible-array and v2-B-tree
        # chunk indexes instead of the fixed array (v1 B-tree for every chunked dataset in v0).
        g.create_dataset("resizable_rows", data=grid(7, 3), chunks=(2, 3), maxshape=(None, 3), compression="gzip")
        g.create_dataset("resizable_both", data=grid(5, 5), chunks=(2, 2), maxshape=(None, None), compression="gzip")
        g.create_dataset("float32", data=grid(2, 3).astype(np.float32))
        g.create_dataset("vector", data=np.arange(6, dtype=np.float64) * 1.5)
        g.create_dataset("scalar", data=np.float64(2.75))
        d = g["contiguous"]
        d.attrs["unit"] = np.bytes_(b"a.u.")
        d.attrs["note"] = "vlen utf-8 \u00fc"

        s = f.create_group("strings")
        s.create_dataset("fixed", data=np.array([b"Data", b"Label", b"ROI_V1", b""], dtype="S6"))  # null-padded
        s.create_dataset("vlen_utf8", data=["ROI_V1", "Bildmenge \u00e4", "\u65e5\u672c", ""], dtype=h5py.string_dtype())
        s.create_dataset("vlen_ascii_scalar", data=b"label-01", dtype=h5py.string_dtype("ascii"))
        s.create_dataset("fixed_scalar", data=np.bytes_(b"n01518878_10042"))

        i = f.create_group("ints")
        i.create_dataset("i32", data=np.array([[-3, 0, 7]], dtype=np.int32))
        i.create_dataset("u8", data=np.array([0, 200, 255], dtype=np.uint8))

        # More links than fit one symbol-table node (v0) or a compact link list (latest).
        many = f.create_group("nested").create_group("many")
        for k in range(40):
            many.create_dataset(f"{k}.0", data=np.bytes_(f"label-{k:02d}".encode()))


# bdpy-written BData files ------------------------------------------------------------------


def bdpy_small():
    """A BData file written by bdpy itself, like bdpy's examples/data/sample_vmap.h5."""
    import bdpy

    b = bdpy.BData()
    b.add(grid(6, 4), "VoxelData")
    b.add(np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0]), "Label")
    b.add_metadata("ROI_A", np.array([1, 1, 0, 0]), "1 = ROI A", where="VoxelData")
    b.add_metadata("ROI_B", np.array([0, 1, 1, 0]), "1 = ROI B", where="VoxelData")
    b.add_metadata("voxel_x", np.array([-1.5, 0.0, 1.5, 3.0]), "voxel x (mm)", where="VoxelData")
    b.add_vmap("Label", {1.0: "cat", 2.0: "dog", 3.0: "bird \u00e4"})
    b.save(path("bdpy_small.h5"))


GOD_ROIS = ["V1", "V2", "V3", "V4", "LOC", "FFA", "PPA"]
GOD_ROI_SIZES = [8, 7, 6, 5, 5, 4, 3]  # 38 voxels; voxels 38 and 39 are only in ROI_VC


def read_stimuli(name):
    rows = []
    with open(os.path.join(ROOT, "assets", "god", name)) as fh:
        for line in fh:
            if line.strip():
                image_id, label = line.split("\t")[:2]
                rows.append((image_id, float(label)))
    return rows


def god_tiny(name, with_vmap):
    """GOD's layout in small: 4 categories x 2 training images, 3 test images x 3 repeats, 2 imagery trials."""
    import bdpy

    rng = np.random.default_rng(20240607)
    train = read_stimuli("stimulus_ImageNetTraining.tsv")
    test = read_stimuli("stimulus_ImageNetTest.tsv")
    train_images = [train[8 * c + k] for c in range(4) for k in range(2)]
    test_images = test[:3]

    n_vox = 40
    trials = [(1, img) for img in train_images] + [(2, img) for img in test_images for _ in range(3)]
    trials.append((3, ("n01443537", 1443537.0)))
    trials.append((3, ("n01621127", 1621127.0)))
    order = rng.permutation(len(trials))
    trials = [trials[k] for k in order]

    baseline = 500.0 + 10.0 * np.arange(n_vox)
    pattern = {img[1]: rng.normal(0.0, 3.0, n_vox) for _, img in trials}
    x = np.stack([baseline + pattern[img[1]] + rng.normal(0.0, 1.0, n_vox) for _, img in trials])

    b = bdpy.BData()
    b.add(x, "VoxelData")
    b.add(np.array([1 + k // 10 for k in range(len(trials))], dtype=float), "Run")
    b.add(np.array([t for t, _ in trials], dtype=float), "DataType")
    b.add(np.array([img[1] for _, img in trials]), "Label")
    image_index = {img[1]: k + 1 for k, img in enumerate(train_images + test_images)}
    b.add(np.array([image_index.get(img[1], np.nan) for _, img in trials]), "image_index")
    b.add(np.array([img[1] for _, img in trials]), "stimulus_id")

    start = 0
    flags = {}
    for roi, size in zip(GOD_ROIS, GOD_ROI_SIZES):
        v = np.zeros(n_vox)
        v[start : start + size] = 1
        start += size
        flags[roi] = v
    flags["LOC"][33] = 1  # voxel 33 is in FFA and LOC: FFA (4 voxels + 0) is the more specific
    flags["LVC"] = flags["V1"] + flags["V2"] + flags["V3"]
    flags["HVC"] = np.minimum(flags["LOC"] + flags["FFA"] + flags["PPA"], 1)
    flags["VC"] = np.ones(n_vox)
    for roi in GOD_ROIS + ["LVC", "HVC", "VC"]:
        b.add_metadata("ROI_" + roi, flags[roi], "1 = ROI %s" % roi, where="VoxelData")
    for axis, k in (("x", 0), ("y", 1), ("z", 2)):
        b.add_metadata("voxel_" + axis, np.arange(n_vox) * 3.0 + k, "voxel %s (mm)" % axis, where="VoxelData")
    if with_vmap:
        b.add_vmap("Label", {lab: iid for iid, lab in train_images + test_images + [("n01443537", 1443537.0), ("n01621127", 1621127.0)]})
    b.save(path(name))


# Broken BData files (valid HDF5) -----------------------------------------------------------


def not_bdata():
    with h5py.File(path("bad_no_metadata.h5"), "w") as f:
        f.create_dataset("dataset", data=grid(2, 3))
    with h5py.File(path("bad_no_metadata_key.h5"), "w") as f:
        f.create_dataset("dataset", data=grid(2, 3))
        f.create_dataset("metadata/value", data=np.ones((1, 3)))
        f.create_dataset("metadata/description", data=[b"1 = Data"])
    with h5py.File(path("bad_width.h5"), "w") as f:
        f.create_dataset("dataset", data=grid(2, 3))
        f.create_dataset("metadata/key", data=[b"Data"])
        f.create_dataset("metadata/description", data=[b"1 = Data"])
        f.create_dataset("metadata/value", data=np.ones((1, 4)))
    with h5py.File(path("bad_key_count.h5"), "w") as f:
        f.create_dataset("dataset", data=grid(2, 3))
        f.create_dataset("metadata/key", data=[b"Data", b"Label"])
        f.create_dataset("metadata/description", data=[b"1 = Data", b"1 = Label"])
        f.create_dataset("metadata/value", data=np.ones((1, 3)))


# bdpy's examples/data/sample_vmap.h5, made small enough to commit -------------------------


def sample_vmap(original):
    """Zero the bytes of /header/callstack_code (2.6 MB of IPython source text) and gzip the rest.

    Every HDF5 structure stays byte for byte as bdpy/h5py wrote it in 2019; only the contents of
    one fixed-length string dataset that no test reads become empty strings.
    """
    import gzip

    with h5py.File(original, "r") as f:
        ds = f["header/callstack_code"]
        offset, size = ds.id.get_offset(), ds.id.get_storage_size()
    data = bytearray(open(original, "rb").read())
    data[offset : offset + size] = bytes(size)
    with gzip.GzipFile(path("sample_vmap.h5.gz"), "wb", mtime=0) as out:
        out.write(bytes(data))


# Dump --------------------------------------------------------------------------------------


def dump(name):
    import gzip
    import io

    np.set_printoptions(linewidth=160, precision=17)
    raw = open(path(name), "rb").read()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    with h5py.File(io.BytesIO(raw), "r") as f:
        print("FILE %s  superblock v%d  size %d" % (name, raw[8], len(raw)))

        def show(obj_name, obj):
            if isinstance(obj, h5py.Dataset):
                layout = {0: "compact", 1: "contiguous", 2: "chunked"}[obj.id.get_create_plist().get_layout()]
                value = obj[()]
                if obj_name.startswith("header/"):
                    value = "(header, %d bytes)" % getattr(value, "nbytes", 0)
                print("  /%s %s %s %s chunks=%s %s shuffle=%s" % (obj_name, obj.shape, obj.dtype, layout, obj.chunks, obj.compression, obj.shuffle))
                print("    " + repr(value).replace("\n", "\n    "))
            else:
                print("  /%s/" % obj_name)
            for k, v in obj.attrs.items():
                print("    @%s = %r" % (k, v))

        for k, v in f.attrs.items():
            print("  @%s = %r" % (k, v))
        f.visititems(show)


def main():
    files = ["h5py_v0_mixed.h5", "h5py_v108_mixed.h5", "h5py_latest_mixed.h5", "bdpy_small.h5", "god_tiny.h5", "god_tiny_vmap.h5"]
    files += ["bad_no_metadata.h5", "bad_no_metadata_key.h5", "bad_width.h5", "bad_key_count.h5"]
    if "--dump" in sys.argv:
        for name in files + ["sample_vmap.h5.gz"]:
            dump(name)
        return
    if "--sample-vmap" in sys.argv:
        sample_vmap(sys.argv[sys.argv.index("--sample-vmap") + 1])
        return
    warnings.simplefilter("ignore")
    write_mixed("h5py_v0_mixed.h5", "earliest")  # h5py's default: superblock v0
    write_mixed("h5py_v108_mixed.h5", ("v108", "v108"))  # superblock v2
    write_mixed("h5py_latest_mixed.h5", "latest")  # superblock v3
    bdpy_small()
    god_tiny("god_tiny.h5", with_vmap=False)
    god_tiny("god_tiny_vmap.h5", with_vmap=True)
    not_bdata()
    for name in files:
        print("%-24s %6d bytes" % (name, os.path.getsize(path(name))))


if __name__ == "__main__":
    main()
