"""Test set-up: a private run cache and a fixed thread count for every kernel.

Set before any kernel (nbval, papermill) starts, so notebooks executed by the
tests train for real (no cached record is reused) and give the same numbers as
the committed ci notebooks, which were made with 2 threads too.
"""

import os
import tempfile

os.environ["PINNLIB_CACHE"] = tempfile.mkdtemp(prefix="pinnlib-test-cache-")
os.environ["OMP_NUM_THREADS"] = "2"
os.environ["MKL_NUM_THREADS"] = "2"
os.environ.setdefault("PYTHONHASHSEED", "0")


import pytest  # noqa: E402
import torch  # noqa: E402


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
