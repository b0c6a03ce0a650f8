"""README.md is executed documentation: every command of its tour runs and prints what it shows."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def tour(kind: str = "") -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every `$ ...` line in the console blocks of one kind."""
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(rf"```console{' ' + kind if kind else ''}\n(.*?)```", README, re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif line.strip() and steps:
                steps[-1][1].append(line)
    return steps


STEPS = tour()


def test_readme_has_a_tour():
    assert len(STEPS) >= 10


@pytest.mark.parametrize("command,expected", STEPS, ids=[c for c, _ in STEPS])
def test_readme_command(command, expected, tmp_path):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    argv = shlex.split(command)
    assert argv[0] == "probgraph"
    res = run_cli(*argv[1:], cwd=tmp_path)
    out = res.stdout.decode("utf-8") + res.stderr.decode("utf-8")
    assert "Traceback" not in out
    wants_error = any(e.startswith("probgraph: error") for e in expected)
    wants_invalid = any("does not conform" in e for e in expected)
    assert res.returncode == (2 if wants_error else 1 if wants_invalid else 0), out
    for line in expected:
        assert line.strip() in out, f"README shows {line!r}, the command printed:\n{out}"


def test_setup_commands_are_the_ones_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && pytest" in README
    assert "pip install -e '.[test]' && pytest" in ci
    assert "pip install . && probgraph query predecessors -p org=north-east-region" in README


def test_readme_triplestore_section(tmp_path):
    """The Oxigraph block: the test starts the server itself, on a free loopback port."""
    from triplestores import free_port, oxigraph_binary, wait_for

    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("needs the oxigraph server (pip install oxigraph)")
    steps = tour("oxigraph")
    assert steps[0][0].startswith("oxigraph serve") and "127.0.0.1:7878" in steps[0][0]
    port = free_port()
    server = subprocess.Popen([binary, "serve", "--location", str(tmp_path / "store"), "--bind",
                               f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/query", server)
        for command, expected in steps[1:]:
            argv = shlex.split(command.replace("127.0.0.1:7878", f"127.0.0.1:{port}"))
            res = run_cli(*argv[1:], cwd=tmp_path)
            out = (res.stdout + res.stderr).decode("utf-8")
            assert res.returncode == 0, out
            for line in expected:
                assert line.replace("127.0.0.1:7878", f"127.0.0.1:{port}").strip() in out, out
    finally:
        server.terminate()
        server.wait(timeout=10)
