"""pinnlib: physics-informed neural networks, the library behind the book.

Imports run one way, top to bottom (``tests/test_layout.py`` fails on a circle):

    storage.py       atomic writes, checksums, provenance
    spec.py          RunSpec: one run's configuration and its cache key
    problems/        the benchmarks (allen_cahn, helmholtz, burgers, cavity); each
                     class carries its equations, title and the paper's numbers
    nn.py, jets.py   networks with input derivatives in one forward pass
    weighting.py     vanilla / RBA weights and the weighted residual loss
    build.py         spec -> problem, network, weighting
    diagnostics/     monitors on the paper's log schedule (SNR, order, homogeneity,
                     compression, Adam's SNR) and phase detection (phases.py)
    train.py         Trainer: Adam with step decay, optional L-BFGS, checkpoints
    records.py       a finished run on disk (RunRecord, with its detected phases)
    evaluate.py      a trained network at points and on its reference grid
    experiments.py   PROFILES and EXPERIMENTS (profile x benchmark -> spec), run cache
    book_runs.py     the runs each chapter needs; sweep.py trains them on Ray
                     (sweep_command.py: its command line; locks.py: one lock per
                     run; run_costs.py: cost estimates)
    seed_stats.py    statistics of phase boundaries over seeds
    report/          per-run numbers, tables and the verdict rules of RQ1-RQ4
    plotting/        every figure of the book
    chapter.py       what the chapters share; book.py executes and builds the book
    bench/           one timer: step and diagnostics benchmarks, run costs

Reference solutions are computed by ``pinnlib.reference`` and stored in
``data/reference/``; ``authors_logs.py`` reads the authors' published training logs
in ``data/authors_logs/``. The command line is ``python -m pinnlib`` with the
subcommands ``book``, ``train``, ``sweep``, ``data``, ``bench`` and ``detector``.
"""

__version__ = "0.1.0"
