"""Test set-up: a private run cache, a fixed thread count, and nbval on committed records.

In-process tests and the book-build test train for real into a private cache, so no
cached record hides a broken training path. The nbval kernels instead read the
committed ``ci`` records in ``data/runs/`` with training switched off
(``PINNLIB_NO_TRAINING=1``): the numbers they print come from those records, so
they are the same on every CPU, and a missing record fails the cell with a message
saying how to make it (``make ci-notebooks``). Trained numbers are checked against
those records with a stated tolerance in ``tests/test_trained_numbers.py``.
"""

import os
import tempfile

os.environ["PINNLIB_CACHE"] = tempfile.mkdtemp(prefix="pinnlib-test-cache-")
os.environ["OMP_NUM_THREADS"] = "2"
os.environ["MKL_NUM_THREADS"] = "2"
os.environ.setdefault("PYTHONHASHSEED", "0")


import pytest  # noqa: E402
import torch  # noqa: E402
from nbval.plugin import IPyNbCell  # noqa: E402

from pinnlib.experiments import DEFAULT_CACHE, NO_TRAINING_ENV  # noqa: E402

#: What an nbval kernel sees: the committed records, and no training.
NBVAL_ENV = {"PINNLIB_CACHE": str(DEFAULT_CACHE), NO_TRAINING_ENV: "1"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """nbval starts a notebook's kernel while setting up its first cell: give that
    kernel :data:`NBVAL_ENV`, and give the test process its own environment back."""
    if not isinstance(item, IPyNbCell):
        yield
        return
    saved = {k: os.environ.get(k) for k in NBVAL_ENV}
    os.environ.update(NBVAL_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(autouse=True)
def one_thread():
    """In-process tests use one torch thread: their tensors are tiny, and two OpenMP
    threads crawl when the machine is busy. Notebook kernels keep the 2 threads above."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The whole book executed at the ci profile and built once per test session."""
    from pinnlib.book import run_book

    output = tmp_path_factory.mktemp("book-build")
    index = run_book(profile="ci", output=output)
    return index
