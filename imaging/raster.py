"""PNG/JPEG decoding via Pillow, bomb-guarded, into the same ``DecodedImage`` the DICOM path makes.

* The declared size is read from the header (``Image.open`` is lazy) and checked against
  ``max_pixels`` before any pixel is decoded; Pillow's own ``DecompressionBombError`` is also mapped
  to ``ImageTooLargeError``.
* 8-bit greyscale ('L') keeps its values; 16-bit greyscale ('I;16', 'I') keeps its values;
  colour (RGB/RGBA/P/CMYK/YCbCr/LA) is converted to luminance with Pillow's ITU-R 601-2 'L' weights.
* Raster files are display-space already, so ``photometric`` is MONOCHROME2 and the default window is
  the identity for 8-bit (centre 128, width 256 maps 0..255 onto itself exactly) and the pixel
  min/max for 16-bit (16-bit PNG exports rarely span the full 0..65535 range).
"""

from __future__ import annotations

import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from imaging._source import Source, open_source
from imaging.decoded import DecodedImage
from imaging.errors import (
    ImageTooLargeError,
    ImagingError,
    TruncatedFileError,
    UnreadableImageError,
)

__all__ = ["decode_raster"]


def _too_large(width: int, height: int, max_pixels: int) -> ImageTooLargeError:
    return ImageTooLargeError(
        f"The image declares {width} x {height} = {width * height:,} pixels, over the limit of "
        f"{max_pixels:,}; it was not decoded. Raise the pixel limit if such images are expected."
    )


def _window_from_range(lo: float, hi: float) -> tuple[float, float]:
    width = float(hi - lo + 1.0)
    return (float(lo) + width / 2.0, width)


def decode_raster(source: Source, *, max_pixels: int) -> DecodedImage:
    """Decode a PNG/JPEG (or other Pillow-readable raster) into a greyscale ``DecodedImage``."""
    with open_source(source) as fh, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            pil = Image.open(fh)
        except Image.DecompressionBombError as exc:
            pillow_limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
            raise ImageTooLargeError(
                f"The image declares more than {pillow_limit:,} pixels, over the limit of "
                f"{min(max_pixels, pillow_limit):,} (decompression-bomb guard); it was not decoded."
            ) from exc
        except UnidentifiedImageError as exc:
            raise UnreadableImageError(
                "Not a readable PNG/JPEG image (unrecognised or damaged header)."
            ) from exc
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:  # OSError, ValueError, SyntaxError, struct.error... on damaged headers
            raise UnreadableImageError(f"The image header could not be read ({type(exc).__name__}).") from exc
        try:
            width, height = pil.size
            if width <= 0 or height <= 0:
                raise UnreadableImageError(f"The image declares an empty size {width} x {height}.")
            if width * height > max_pixels:
                raise _too_large(width, height, max_pixels)
            n_frames = getattr(pil, "n_frames", 1)
            if n_frames and n_frames > 1:
                from imaging.errors import MultiFrameNotSupportedError

                raise MultiFrameNotSupportedError(
                    f"The image has {n_frames} frames (animated/multi-page); "
                    "only single images are supported."
                )
            try:
                pil.load()
            except Image.DecompressionBombError as exc:
                msg = f"The image is over Pillow's decompression-bomb limit ({exc})."
                raise ImageTooLargeError(msg) from exc
            except OSError as exc:
                text = str(exc).lower()
                if "truncated" in text or "broken data stream" in text or "unexpected end" in text:
                    raise TruncatedFileError(
                        "The image file is truncated (its data ends early); it was probably cut off "
                        "during a copy or upload. Re-export or re-send it."
                    ) from exc
                raise UnreadableImageError(f"The image data could not be decoded ({exc}).") from exc
            except (ValueError, SyntaxError, EOFError) as exc:
                raise UnreadableImageError(f"The image data could not be decoded ({exc}).") from exc
            return _to_decoded(pil)
        except ImagingError:
            raise
        except Exception as exc:  # anything else Pillow may raise on hostile input
            raise UnreadableImageError(f"The image could not be decoded ({type(exc).__name__}).") from exc
        finally:
            pil.close()


def _to_decoded(pil: Image.Image) -> DecodedImage:
    mode = pil.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        arr = np.asarray(pil)
        pixels = arr.astype(np.float32)
        lo, hi = float(pixels.min()), float(pixels.max())
        bits = 32 if mode == "I" and (lo < 0 or hi > 65535) else 16
        return DecodedImage(
            pixels=pixels,
            photometric="MONOCHROME2",
            bits_stored=bits,
            default_window=_window_from_range(lo, hi),
            source_format=(pil.format or "raster").lower(),
        )
    if mode == "F":
        pixels = np.asarray(pil, dtype=np.float32)
        return DecodedImage(
            pixels=pixels.copy(),
            photometric="MONOCHROME2",
            bits_stored=32,
            default_window=_window_from_range(float(pixels.min()), float(pixels.max())),
            source_format=(pil.format or "raster").lower(),
        )
    if mode != "L":
        if mode in ("LA", "La"):
            pil = pil.getchannel(0)
        elif mode in ("RGBA", "RGBa", "PA"):
            pil = pil.convert("RGB").convert("L")
        else:
            pil = pil.convert("L")
    pixels = np.asarray(pil).astype(np.float32)
    return DecodedImage(
        pixels=pixels,
        photometric="MONOCHROME2",
        bits_stored=8,
        default_window=(128.0, 256.0),
        source_format=(pil.format or "raster").lower() if pil.format else "raster",
    )
