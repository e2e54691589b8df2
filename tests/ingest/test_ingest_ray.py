"""Scale-out: the same per-clip work on a (local) Ray cluster gives the same memory."""

from __future__ import annotations

import os

import pytest

from egobutler.ingest.pipeline import Pipeline
from egobutler.ingest.sources import open_source
from egobutler.ingest.stages import StageSpec, stage_spec


@pytest.mark.slow
def test_ray_runner_matches_local_run(store, tmp_path, sample, monkeypatch):
    pytest.importorskip("ray", reason="ray is an optional extra (pip install ray)")
    from egobutler.ingest.runner import RayRunner
    from egobutler.memory_db.store import MemoryStore

    here = os.path.dirname(__file__)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]))  # workers import the fakes
    monkeypatch.setenv("EGOBUTLER_TEST_SLOW_S", "0")
    specs = [stage_spec("motion", backend="rules"), StageSpec("slownote", "ingest_fakes:SlowNote")]
    Pipeline(store, specs).ingest(open_source(sample))

    other = MemoryStore.open(f"sqlite:///{tmp_path / 'ray.db'}", tmp_path / "ray-media")
    runner = RayRunner("local", chunk_clips=2, num_cpus=0.5)
    try:
        report = Pipeline(other, specs, runner=runner).ingest(open_source(sample))
    finally:
        runner.shutdown()
    assert report.status == "done"
    key = lambda lines: sorted((x.id, x.text) for x in lines)  # noqa: E731
    assert key(other.lines()) == key(store.lines()) and len(store.lines()) == 6
    other.close()


def test_ray_address_without_ray_installed_is_a_clear_error(monkeypatch):
    import builtins

    from egobutler.ingest.errors import ExtraMissing
    from egobutler.ingest.runner import RayRunner

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(ExtraMissing, match="pip install"):
        RayRunner("ray://head:10001")
