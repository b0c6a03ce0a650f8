"""The package finds its RDF files from a checkout (editable install) and from a built wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


def test_checkout_paths():
    from probgraph import resources

    assert resources.root() == ROOT
    names = {p.name for p in resources.graph_inputs()}
    assert {"probgraph.ttl", "vocabularies.ttl", "organisations.ttl"} <= names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel, built by the project's build backend itself (hatchling, pyproject.toml's build-system): the
    bytes `pip wheel` writes, without pip making an isolated environment and installing hatchling into it
    first (4.1 s of CPU against 0.3 s; benchmarks/RESULTS.md, "lead's sixth round")."""
    out = tmp_path_factory.mktemp("wheel")
    res = subprocess.run([sys.executable, "-m", "hatchling", "build", "--target", "wheel", "-d", str(out)],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-300:]
    return next(out.glob("probgraph-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """The wheel installed once (pip install --target) for the tests that run it; each gives its own cache."""
    target = tmp_path_factory.mktemp("installed") / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    return target


def test_wheel_carries_the_rdf_files(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("probgraph/_data/ontology/probgraph.ttl", "probgraph/_data/shapes/probgraph-shapes.ttl",
                   "probgraph/_data/queries/predecessors.rq", "probgraph/_data/data/organisations.ttl"):
        assert needed in names


def test_installed_wheel_answers_a_query(installed, tmp_path):
    target = installed
    env = {**os.environ, "PYTHONPATH": str(target), "PROBGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    where = subprocess.run([sys.executable, "-c", "from probgraph import resources; print(resources.root())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert where == str(target / "probgraph" / "_data")
    res = subprocess.run([sys.executable, "-m", "probgraph", "query", "owners", "-p", "org=northumbria-crc",
                          "--format", "csv"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "Sodexo Justice Services" in res.stdout


def test_wheel_carries_the_templates(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    shipped = ROOT / "src" / "probgraph" / "templates"
    for path in sorted(p for p in shipped.rglob("*") if p.is_file()):
        assert f"probgraph/templates/{path.relative_to(shipped)}" in names


def test_the_command_is_installed_as_written(wheel, installed, tmp_path):
    """bin/probgraph goes into the wheel's scripts as it is (shared-scripts), with the `#!python` line installers
    rewrite, and no console-script wrapper (pip's imports `re`, which costs a warm query milliseconds)."""
    archive = zipfile.ZipFile(wheel)
    script = next(n for n in archive.namelist() if n.endswith(".data/scripts/probgraph"))
    written = (ROOT / "bin" / "probgraph").read_bytes()
    assert written.startswith(b"#!/usr/bin/env python3\n")
    assert archive.read(script) == b"#!python\n" + written.split(b"\n", 1)[1]
    entry_points = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
    assert not any(b"probgraph" in archive.read(n) for n in entry_points)
    target = installed
    env = {**os.environ, "PYTHONPATH": str(target), "PROBGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    res = subprocess.run([str(target / "bin" / "probgraph"), "query", "owners", "-p", "org=northumbria-crc",
                          "--format", "csv"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "Sodexo Justice Services" in res.stdout
