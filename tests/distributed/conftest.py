"""One local Ray cluster (127.0.0.1, two CPUs) for every test here: Ray takes seconds to start."""

from __future__ import annotations

from pathlib import Path

import pytest

import gradlab as gl


@pytest.fixture(scope="session")
def cluster():
    """A local Ray cluster whose workers import this gradlab; shut down after the session."""
    ray = pytest.importorskip("ray", reason="the cluster tests need gradlab[ray]")
    source = str(Path(gl.__file__).parents[1])
    ray.init(
        address="local",
        include_dashboard=False,
        num_cpus=2,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": source}},
    )
    yield ray
    ray.shutdown()
