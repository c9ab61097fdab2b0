"""ci-templates/: valid workflows and scripts that call real `dlcourse` commands.

Calls are checked against the real command line parser (`autograder.cli._parser`);
placeholders (`${{ ... }}`, `$NOTEBOOK`) are replaced with a dummy value first. The
shell scripts also run here, with a stand-in `dlcourse`, to check what they do.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from itertools import takewhile
from pathlib import Path

import pytest
import yaml

from autograder.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "ci-templates"
WORKFLOWS = sorted([*TEMPLATES.rglob("*.yml"), *TEMPLATES.rglob("*.yaml")])
SCRIPTS = sorted(
    p
    for p in TEMPLATES.rglob("*")
    if p.is_file() and (p.suffix == ".sh" or p.read_bytes().startswith(b"#!/usr/bin/env bash"))
)
PLACEHOLDER = "placeholder"
# Flags the lead is wiring into `dlcourse grade`; calls using them wait for it.
AWAITED_FLAGS = {"--format"}

_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_VARIABLE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")


def relative(path: Path) -> str:
    return str(path.relative_to(TEMPLATES))


def load_workflow(path: Path) -> dict:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean True.
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def run_steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def is_operator(token: str) -> bool:
    return set(token) <= set("();<>|&")


def dlcourse_calls(script: str) -> list[list[str]]:
    """The arguments of every `dlcourse ...` command in a shell script, placeholders
    replaced, each cut at the first shell operator (`|`, `>`, `;`, `&&`, ...)."""
    calls = []
    for line in script.replace("\\\n", " ").splitlines():
        line = _VARIABLE.sub(PLACEHOLDER, _EXPRESSION.sub(PLACEHOLDER, line))
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = ""  # shlex would also cut `a#b`; the shell only cuts at a word
        tokens = list(takewhile(lambda t: not t.startswith("#"), lexer))
        for index, token in enumerate(tokens):
            before = takewhile(lambda t: not is_operator(t), reversed(tokens[:index]))
            in_command_position = all("=" in t for t in before)  # only `VAR=value` before
            if Path(token).name == "dlcourse" and "=" not in token and in_command_position:
                calls.append(list(takewhile(lambda t: not is_operator(t), tokens[index + 1 :])))
    return calls


def known_flags(verb: str) -> set[str]:
    (verbs,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return {flag for action in verbs.choices[verb]._actions for flag in action.option_strings}


def assert_real_command(argv: list[str]) -> None:
    try:
        _parser().parse_args(argv)
    except SystemExit as done:  # argparse exits 0 after --help, 2 on a bad command
        assert done.code == 0, f"`dlcourse {shlex.join(argv)}` is not a valid dlcourse command"


def test_the_templates_are_all_there():
    for name in (
        "README.md",
        "github/student-check.yml",
        "github/instructor-verify.yml",
        "gradescope/README.md",
        "gradescope/setup.sh",
        "gradescope/run_autograder",
    ):
        assert (TEMPLATES / name).is_file(), f"missing ci-templates/{name}"


def test_call_extraction_reads_shell_syntax():
    script = 'x=1\n"$VENV/bin/dlcourse" check "${{ matrix.nb }}" > "$LOG" 2>&1 || status=1\n'
    assert dlcourse_calls(script) == [["check", PLACEHOLDER]]
    assert dlcourse_calls("dlcourse grade subs \\\n  --out o | tee log") == [
        ["grade", "subs", "--out", "o"]
    ]
    assert dlcourse_calls('ROOT="$DIR/dlcourse" cp a b/dlcourse # dlcourse demo') == []
    assert dlcourse_calls("ROOT=x dlcourse verify && echo ok") == [["verify"]]


@pytest.mark.parametrize("path", WORKFLOWS, ids=relative)
def test_workflow_is_valid_yaml_with_triggers_and_jobs(path):
    workflow = load_workflow(path)
    assert workflow.get("on"), "a workflow needs `on:` triggers"
    assert workflow.get("jobs"), "a workflow needs `jobs:`"
    for name, job in workflow["jobs"].items():
        assert job.get("runs-on"), f"job {name} needs `runs-on`"
        assert job.get("steps"), f"job {name} needs `steps`"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"step {step} needs one of uses/run"
            if "uses" in step:
                assert "@" in step["uses"], f"pin the action's version: {step['uses']}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=relative)
def test_workflow_calls_real_dlcourse_commands(path):
    steps = run_steps(load_workflow(path))
    calls = [call for step in steps for call in dlcourse_calls(step["run"])]
    assert calls, f"{relative(path)} never calls dlcourse"
    for argv in calls:
        assert_real_command(argv)


@pytest.mark.parametrize("path", SCRIPTS, ids=relative)
def test_shell_script_has_valid_syntax(path):
    checked = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("path", SCRIPTS, ids=relative)
def test_shell_script_calls_real_dlcourse_commands(path):
    for argv in dlcourse_calls(path.read_text(encoding="utf-8")):
        awaited = AWAITED_FLAGS.intersection(argv) - known_flags(argv[0])
        if awaited:
            pytest.skip(f"dlcourse {argv[0]} has no {', '.join(sorted(awaited))} yet")
        assert_real_command(argv)


def fake_dlcourse(folder: Path, body: str) -> Path:
    """A stand-in `dlcourse` executable: records its arguments, then runs `body`."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "dlcourse"
    script.write_text(
        f"#!{sys.executable}\nimport json, sys\nfrom pathlib import Path\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        f"Path({str(folder / 'argv.json')!r}).write_text(json.dumps(sys.argv[1:]))\n" + body,
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def test_student_workflow_reports_points_in_the_job_summary(tmp_path):
    workflow = load_workflow(TEMPLATES / "github" / "student-check.yml")
    (step,) = [s for s in run_steps(workflow) if "dlcourse check" in s["run"]]
    assert step.get("shell") == "bash", "bash gives the step -eo pipefail"
    fake_dlcourse(
        tmp_path / "bin",
        "print('test_relu | 2 | FAIL | AssertionError: dx is wrong')\n"
        "print('3 passed, 1 failed: 5 of 7 points from visible tests')\nsys.exit(1)\n",
    )
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        **workflow["env"],
        **step.get("env", {}),
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path),
    }
    run = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, "a failed visible test must fail the job"
    report = summary.read_text(encoding="utf-8")
    assert f"### {workflow['env']['NOTEBOOKS'].split()[0]}" in report
    assert "**3 passed, 1 failed: 5 of 7 points from visible tests**" in report
    assert "AssertionError: dx is wrong" in report


def test_run_autograder_grades_the_uploaded_notebook_into_results_json(tmp_path):
    autograder = tmp_path / "autograder"
    upload = autograder / "submission" / "my-work"
    upload.mkdir(parents=True)
    (upload / "a01_autodiff.ipynb").write_text("{}", encoding="utf-8")
    (autograder / "submission" / "__MACOSX").mkdir()
    (autograder / "submission" / "__MACOSX" / "._a01_autodiff.ipynb").write_bytes(b"\0")
    venv = tmp_path / "venv"
    fake_dlcourse(
        venv / "bin",
        "from autograder.gradescope import TestResult, write_results\n"
        "argv = sys.argv[1:]\nout = Path(argv[argv.index('--out') + 1])\n"
        "for student in Path(argv[1]).iterdir():\n"
        "    files = ' '.join(sorted(p.name for p in student.iterdir()))\n"
        "    write_results(out / 'gradescope' / student.name / 'results.json',\n"
        "                  [TestResult('test_a', 1, 1, '', False)], reason=files)\n",
    )
    script = tmp_path / "run_autograder"
    shutil.copy(TEMPLATES / "gradescope" / "run_autograder", script)
    env = {**os.environ, "AUTOGRADER_DIR": str(autograder), "DLCOURSE_VENV": str(venv)}
    run = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr

    results = json.loads((autograder / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["output"] == "a01_autodiff.ipynb", "only the real notebook is graded"
    argv = json.loads((venv / "bin" / "argv.json").read_text(encoding="utf-8"))
    assert argv[0] == "grade"
    assert argv[argv.index("--format") + 1] == "gradescope"
