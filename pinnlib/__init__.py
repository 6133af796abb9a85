"""pinnlib: physics-informed neural networks, the library behind the book.

Data flows one way (see DESIGN.md):

    RunSpec (spec.py) -> problem (problems/) -> model with input derivatives (nn.py)
    -> Trainer (train.py, weighting.py) -> run record on disk (records.py)
    -> cache by spec (experiments.py) -> chapter plots (plotting/) -> book (book.py)

Reference solutions are computed by ``pinnlib.reference``; the command line is
``python -m pinnlib`` (``book``, ``train``, ``data``).
"""

__version__ = "0.1.0"
