"""pinnlib: physics-informed neural networks, the library behind the book.

Data flows one way:

    RunSpec (spec.py)
      -> problem (problems/: allen_cahn, helmholtz, burgers, cavity)
      -> network with input derivatives in one forward pass (nn.py, jets.py)
      -> Trainer (train.py; weighting.py: vanilla / RBA; Adam, optional L-BFGS)
      -> monitors on the paper's log schedule (diagnostics/: SNR, order, homogeneity,
         compression; phase detection)
      -> run record on disk (records.py) -> cache by spec (experiments.py)
      -> chapter figures (plotting/) -> book (book.py)

Reference solutions are computed by ``pinnlib.reference`` and stored in
``data/reference/``. The command line is ``python -m pinnlib`` with the
subcommands ``book``, ``train``, ``data`` and ``bench``.
"""

__version__ = "0.1.0"
