"""Stretch Coach: checks stretch form from pose landmarks and times correct holds.

The pipeline, one module per stage:
frame -> landmarks (``landmarks``) -> smoothing (``smoothing``) -> measurements
(``measurements``) -> verdicts (``verdicts``) -> hold state (``hold``) -> routine
(``routine``) -> feedback / overlay / session log.
"""

__version__ = "0.1.0"
