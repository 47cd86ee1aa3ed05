"""Synthetic benchmark inputs: chest-radiograph-like 12-bit DICOMs (uncompressed / RLE) and 8-bit PNGs.

RLE frames are written by a vectorised numpy PackBits encoder (pydicom's own encoder is pure Python
and takes about a second per 1024x1024 image); rows are encoded separately (PS3.5 G.3.1). The
benchmark checks one RLE file against pydicom's decoder before timing anything.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, RLELossless, generate_uid

DX = "1.2.840.10008.5.1.4.1.1.1.1"


def packbits_rows(plane: np.ndarray) -> bytes:
    """PackBits-encode a (rows, cols) uint8 plane, never letting a run cross a row boundary."""
    cols = plane.shape[1]
    flat = np.ascontiguousarray(plane).ravel()
    n = flat.size
    change = np.empty(n, dtype=bool)
    change[0] = True
    change[1:] = flat[1:] != flat[:-1]
    change[::cols] = True
    starts = np.flatnonzero(change)
    lengths = np.diff(np.append(starts, n))
    is_rep = lengths >= 3

    # replicate tokens: runs of >= 3 equal bytes, split into chunks of <= 128
    rs, rl = starts[is_rep], lengths[is_rep]
    nchunks = (rl + 127) // 128
    chunk_of = np.repeat(np.arange(rs.size), nchunks)
    k = np.arange(int(nchunks.sum())) - np.repeat(np.cumsum(nchunks) - nchunks, nchunks)
    rep_start = rs[chunk_of] + 128 * k
    rep_len = np.minimum(128, rl[chunk_of] - 128 * k)
    # a trailing chunk of 1-2 bytes is still a valid replicate run (header 0 or 255)

    # literal tokens: maximal stretches of bytes not in a replicate run, within a row, chunks <= 128
    lit_idx = np.flatnonzero(np.repeat(~is_rep, lengths))
    brk = np.ones(lit_idx.size, dtype=bool)
    brk[1:] = (np.diff(lit_idx) != 1) | (lit_idx[1:] % cols == 0)
    stretch = np.cumsum(brk) - 1
    pos = np.arange(lit_idx.size) - np.flatnonzero(brk)[stretch]
    new_tok = brk | (pos % 128 == 0)
    tok_first = np.flatnonzero(new_tok)
    lit_start = lit_idx[tok_first]
    lit_len = np.diff(np.append(tok_first, lit_idx.size))

    tok_start = np.concatenate([rep_start, lit_start])
    tok_len = np.concatenate([rep_len, lit_len])
    tok_rep = np.concatenate([np.ones(rep_start.size, bool), np.zeros(lit_start.size, bool)])
    order = np.argsort(tok_start, kind="stable")
    tok_start, tok_len, tok_rep = tok_start[order], tok_len[order], tok_rep[order]
    out_size = np.where(tok_rep, 2, 1 + tok_len)
    offs = np.cumsum(out_size) - out_size
    out = np.empty(int(out_size.sum()), dtype=np.uint8)
    out[offs] = np.where(tok_rep, (257 - tok_len) & 0xFF, tok_len - 1).astype(np.uint8)
    out[offs[tok_rep] + 1] = flat[tok_start[tok_rep]]
    # literal bytes: token of each literal byte, in sorted-token numbering
    lit_tok_sorted = np.empty(tok_start.size, dtype=np.int64)
    lit_tok_sorted[order] = np.arange(tok_start.size)
    lit_token = lit_tok_sorted[rep_start.size + np.cumsum(new_tok) - 1]
    out[offs[lit_token] + 1 + (lit_idx - tok_start[lit_token])] = flat[lit_idx]
    return out.tobytes()


def rle_frame(pixels: np.ndarray) -> bytes:
    """One RLE Lossless frame for a (rows, cols) uint8 or uint16 image."""
    if pixels.dtype == np.uint8:
        planes = [pixels]
    else:
        planes = [(pixels >> 8).astype(np.uint8), (pixels & 0xFF).astype(np.uint8)]
    segments = [packbits_rows(p) for p in planes]
    offsets, pos = [], 64
    for seg in segments:
        offsets.append(pos)
        pos += len(seg)
    header = struct.pack("<16L", len(segments), *offsets, *([0] * (15 - len(segments))))
    return header + b"".join(segments)


class Generator:
    """Deterministic chest-like 12-bit images: body, two darker lung fields, a heart, noise."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.rng = np.random.default_rng(seed)
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
        self.yy, self.xx = yy, xx

    def image(self) -> np.ndarray:
        r = self.rng
        xx, yy = self.xx, self.yy
        img = 600 + 900 * np.exp(-(((xx - 0.5) / 0.45) ** 2 + ((yy - 0.55) / 0.6) ** 2))
        for cx in (0.32 + r.normal(0, 0.02), 0.68 + r.normal(0, 0.02)):
            lung = ((xx - cx) / 0.15) ** 2 + ((yy - 0.45) / 0.3) ** 2 < 1
            img = np.where(lung, img - 450, img)
        heart = ((xx - 0.55) / (0.12 + r.uniform(0, 0.05))) ** 2 + ((yy - 0.6) / 0.13) ** 2 < 1
        img = np.where(heart, img + 500, img) + r.normal(0, 25, img.shape).astype(np.float32)
        return np.clip(img, 0, 4095).astype(np.uint16)


def write_dicom(path: Path, pixels: np.ndarray, *, rle: bool) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = RLELossless if rle else ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = DX, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientID, ds.Modality, ds.ViewPosition, ds.BodyPartExamined = "BENCH", "DX", "PA", "CHEST"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = "1100", "1800"
    if rle:
        ds.PixelData = encapsulate([rle_frame(pixels)])
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
    else:
        ds.PixelData = pixels.astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def write_png(path: Path, pixels: np.ndarray) -> None:
    """8-bit PNG like the public data sets' (the 12-bit image scaled to 0..255)."""
    Image.fromarray((pixels >> 4).astype(np.uint8), mode="L").save(path, format="PNG")


def generate(root: Path, *, n: int, size: int, seed: int, rle_share: float) -> dict[str, list[Path]]:
    """Write the files under ``root``; reuse them if ``root`` holds a set made with the same settings."""
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / "manifest.json"
    params = {"n": n, "size": size, "seed": seed, "rle_share": rle_share, "version": 1}
    if manifest.exists():
        saved = json.loads(manifest.read_text())
        if saved.get("params") == params and all(
            (root / f).exists() for g in saved["files"].values() for f in g
        ):
            return {g: [root / f for f in names] for g, names in saved["files"].items()}
    gen = Generator(size, seed)
    out: dict[str, list[Path]] = {"dicom_native": [], "dicom_rle": [], "png": []}
    n_rle = round(n * rle_share)
    for i in range(n):
        px = gen.image()
        rle = i % max(1, round(n / max(n_rle, 1))) == 0 and len(out["dicom_rle"]) < n_rle
        path = root / f"img{i:05d}.dcm"
        write_dicom(path, px, rle=rle)
        out["dicom_rle" if rle else "dicom_native"].append(path)
        png = root / f"img{i:05d}.png"
        write_png(png, px)
        out["png"].append(png)
    files = {g: [p.name for p in paths] for g, paths in out.items()}
    manifest.write_text(json.dumps({"params": params, "files": files}))
    return out
