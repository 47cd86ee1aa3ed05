"""Synthetic cohort generator: chest radiographs, OCT B-scans, reports and simulated readers.

Django-free. See README.md in this directory for what each module owns and the file layouts.
"""

from synthetic.cxr import CXR14_FINDINGS, render_cxr
from synthetic.errors import SyntheticDataError
from synthetic.oct import OCT_CLASSES, render_oct

__all__ = ["CXR14_FINDINGS", "OCT_CLASSES", "SyntheticDataError", "render_cxr", "render_oct"]
