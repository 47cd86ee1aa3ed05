"""Synthetic cohort generator: chest radiographs, OCT B-scans, reports and simulated readers.

Django-free. See README.md in this directory for what each module owns and the file layouts.
"""

from mlworker.ml.synthetic.cxr import CXR14_FINDINGS, render_cxr
from mlworker.ml.synthetic.errors import SyntheticDataError
from mlworker.ml.synthetic.oct import OCT_CLASSES, render_oct

__all__ = ["CXR14_FINDINGS", "OCT_CLASSES", "SyntheticDataError", "render_cxr", "render_oct"]
