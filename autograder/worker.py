"""Runs one submitted notebook and judges its tests: a grading worker's job.

Two processes grade a notebook (see `autograder.split`):

- the student's kernel, in a sandbox (`autograder.sandbox`): the set-up, the
  student's cells and, of every test, only its `with answers:` blocks;
- the judge (`autograder.judge`), which never runs student code: the rest of every
  test and the instructor's cells those need. A test passes when its judge program
  ran without an error. Nothing the kernel does can change that, except sending
  the right data.

`run_job` takes and returns plain data, so the same function runs in this process,
in a local process pool (`dlcourse grade --workers N`) or on a Dask cluster. It
never touches the gradebook: the caller records the results with nbgrader.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.environment import kernel_environment
from autograder.judge import (
    MAX_ANSWER_BYTES,
    ExchangeFailed,
    Judge,
    JudgeError,
    Outcome,
    discard_judge,
    shared_judge,
)
from autograder.kernel import ExchangeFolder, SandboxKernel
from autograder.notebooks import is_test_cell, nbgrader_metadata
from autograder.rebuild import rebuild
from autograder.sandbox import Limits, Sandbox
from autograder.split import RUNTIME, TestProgram, judge_prelude, split_notebook


@dataclass(frozen=True)
class Job:
    """One notebook of one student's submission."""

    student: str
    notebook_name: str
    source: str  # instructor notebook JSON (solutions and hidden tests)
    release: str  # student version JSON
    submitted: str  # the student's notebook JSON
    limits: Limits = field(default_factory=Limits)
    device: str = "cpu"
    threads: int = 1
    hidden_paths: tuple[str, ...] = ()
    data_dir: str | None = None


@dataclass(frozen=True)
class TestVerdict:
    grade_id: str
    passed: bool
    reason: str = ""


@dataclass
class JobResult:
    student: str
    notebook_name: str
    graded: str = ""  # the rebuilt notebook with outputs, JSON
    verdicts: list[TestVerdict] = field(default_factory=list)
    reason: str = ""  # why the kernel stopped early, if it did
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _thread_environment(threads: int) -> dict[str, str]:
    value = str(max(1, threads))
    return {
        "TF_NUM_INTRAOP_THREADS": value,
        "TF_NUM_INTEROP_THREADS": value,
        "OMP_NUM_THREADS": value,
        "OPENBLAS_NUM_THREADS": value,
        "MKL_NUM_THREADS": value,
    }


def run_job(job: Job) -> JobResult:
    """Rebuilds, runs and judges one notebook.

    Never raises: if grading itself breaks on this submission, every test scores zero
    with the reason, and the rest of the class is still graded.
    """
    try:
        return _run_job(job)
    except Exception as error:
        source = nbformat.reads(job.source, as_version=4)
        release = nbformat.reads(job.release, as_version=4)
        graded = rebuild(source, release, release)
        reason = f"the grader could not run it: {type(error).__name__}: {error}"[:300]
        verdicts = [
            TestVerdict(nbgrader_metadata(c)["grade_id"], False, reason)
            for c in graded.cells
            if is_test_cell(c)
        ]
        return JobResult(
            job.student,
            job.notebook_name,
            graded=nbformat.writes(_with_failures(graded, verdicts)),
            verdicts=verdicts,
            reason=reason,
        )


def _run_job(job: Job) -> JobResult:
    result = JobResult(job.student, job.notebook_name)
    started = time.perf_counter()
    source = nbformat.reads(job.source, as_version=4)
    release = nbformat.reads(job.release, as_version=4)
    submitted = nbformat.reads(job.submitted, as_version=4)
    graded = rebuild(source, release, submitted)
    programs = split_notebook(source)
    prelude = {
        nbgrader_metadata(cell).get("grade_id"): code
        for index, code in judge_prelude(source, programs).items()
        for cell in [source.cells[index]]
    }
    environment = {**kernel_environment(job.device), **_thread_environment(job.threads)}
    sandbox = Sandbox(
        limits=job.limits,
        hidden_paths=tuple(Path(p) for p in job.hidden_paths),
        environment=environment,
        data_dir=Path(job.data_dir) if job.data_dir else None,
    )
    result.warnings = list(sandbox.warnings)
    judge = _JudgeSession({**environment, **_judge_data(sandbox)}, job.limits)
    folder = ExchangeFolder(sandbox)
    # nbclient puts every cell it runs into its notebook at the index given: blocks
    # run at their test's index, so the client gets a copy to write into.
    kernel = SandboxKernel(job, nbformat.from_dict(graded), sandbox)
    outputs: dict[int, list] = {}
    try:
        judge.begin()
        kernel.start()
        for index, cell in enumerate(graded.cells):
            if cell.cell_type != "code":
                continue
            if is_test_cell(cell):
                grade_id = nbgrader_metadata(cell)["grade_id"]
                verdict, outputs[index] = _judge_test(
                    programs[grade_id], index, kernel, judge, folder
                )
                result.verdicts.append(verdict)
                continue
            # Rebuilt cells keep the instructor's grade_id only on the instructor's cells.
            code = prelude.get(nbgrader_metadata(cell).get("grade_id"))
            if code:  # the judge's part of the cell runs while the kernel runs the cell
                judge.judge.start(code, f"<cell {index + 1}>")
            kernel.run(cell, index)
            if code:
                problem = judge.finish_prelude(code, f"<cell {index + 1}>")
                if problem:
                    result.warnings.append(f"the judge's copy of cell {index + 1}: {problem}")
    except JudgeError as error:
        judge.discard()
        result.reason = f"the grader's checks could not run: {error}"
    finally:
        kernel.close()
        folder.close()
        sandbox.kill_everything()
    result.reason = result.reason or kernel.stopped
    done = {v.grade_id for v in result.verdicts}
    result.verdicts += [
        TestVerdict(
            nbgrader_metadata(c)["grade_id"], False, result.reason or "the test did not run"
        )
        for c in graded.cells
        if is_test_cell(c) and nbgrader_metadata(c)["grade_id"] not in done
    ]
    for index, cell in enumerate(graded.cells):
        if index in outputs:
            cell.outputs, cell.execution_count = outputs[index], index + 1
    result.graded = nbformat.writes(_with_failures(graded, result.verdicts))
    result.seconds = time.perf_counter() - started
    return result


class _JudgeSession:
    """This worker's judge for one notebook. If the judge process dies or hangs (a
    library crash on strange answers), the test it was judging fails with the reason,
    and a fresh judge catches up on the set-up before the next test."""

    def __init__(self, environment: dict[str, str], limits: Limits):
        self.environment, self.timeout = environment, limits.cell_seconds
        self.memory_bytes = limits.memory_bytes
        self.judge: Judge = shared_judge(environment, self.memory_bytes)
        self.prelude: list[tuple[str, str]] = []  # what a fresh judge must run again

    def begin(self) -> None:
        self.judge.reset()

    def finish_prelude(self, code: str, name: str) -> str:
        """Waits for the judge's part of an instructor cell; what went wrong, if anything."""
        self.prelude.append((code, name))
        try:
            outcome = self.judge.finish(self.timeout)
        except JudgeError as error:
            self.restart()
            return f"the judge stopped ({error}) and was restarted"
        return f"raised {': '.join(outcome.error)}" if outcome.error else ""

    def run(self, code: str, name: str, on_exchange) -> Outcome:
        try:
            return self.judge.run(code, name, self.timeout, on_exchange)
        except JudgeError as error:
            self.restart()
            return Outcome("", ("GraderError", f"the grader's check stopped: {error}"))

    def restart(self) -> None:
        """A fresh judge that has run the set-up so far (once; a second failure is final)."""
        self.discard()
        self.judge = shared_judge(self.environment, self.memory_bytes)
        self.judge.reset()
        for code, name in self.prelude:
            self.judge.run(code, name, self.timeout)

    def discard(self) -> None:
        discard_judge(self.judge)


def _judge_data(sandbox: Sandbox) -> dict[str, str]:
    """The judge reads the same prepared datasets as the kernel (outside the sandbox)."""
    from course.data import data_dir

    return {"DLCOURSE_DATA_DIR": str(data_dir())}


def _judge_test(
    program: TestProgram,
    index: int,
    kernel: SandboxKernel,
    judge: _JudgeSession,
    folder: ExchangeFolder,
) -> tuple[TestVerdict, list]:
    """Runs one test: its judge program, and each of its blocks in the kernel."""
    outputs: list = []

    def exchange(number: int, inputs: Path, returns: list[str]) -> Path:
        if kernel.stopped:
            raise ExchangeFailed("NotGraded", f"your code did not run: {kernel.stopped}")
        block = program.blocks[number]
        sent = folder.put(f"in-{number}.npz", inputs.read_bytes())
        answered = f"out-{number}.npz"
        folder.remove(answered)
        cell = nbformat.v4.new_code_cell(
            f"import course.answers as {RUNTIME}\n"
            f"{RUNTIME}.serve_block({block.source!r}, {sent!r}, "
            f"{str(folder.path / answered)!r}, {block.returns!r}, '<test {program.grade_id}>')"
        )
        kernel.run(cell, index)
        outputs.extend(o for o in cell.outputs if o.get("output_type") != "error")
        if kernel.stopped:
            raise ExchangeFailed("NotGraded", f"your code did not finish: {kernel.stopped}")
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        if errors:  # the grader's own call failed in the kernel (a shadowed module...)
            raise ExchangeFailed(errors[0].get("ename", "Error"), errors[0].get("evalue", ""))
        target = judge.judge.answers_path(number)
        target.write_bytes(folder.take(answered, MAX_ANSWER_BYTES))
        return target

    outcome = judge.run(program.judge_source, f"<test {program.grade_id}>", exchange)
    if outcome.stdout:
        outputs.append(nbformat.v4.new_output("stream", name="stdout", text=outcome.stdout))
    if outcome.error:
        name, message = outcome.error
        outputs.append(
            nbformat.v4.new_output(
                "error", ename=name, evalue=message, traceback=[f"{name}: {message}"]
            )
        )
        return TestVerdict(program.grade_id, False, f"{name}: {message}"[:300]), outputs
    return TestVerdict(program.grade_id, True), outputs


def _with_failures(notebook, verdicts: list[TestVerdict]):
    """The notebook with an error output on every failed test that shows none (so
    nbgrader scores it zero)."""
    failed = {v.grade_id: v for v in verdicts if not v.passed}
    for cell in notebook.cells:
        verdict = (
            failed.get(nbgrader_metadata(cell).get("grade_id")) if is_test_cell(cell) else None
        )
        if verdict and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            reason = verdict.reason or "the test did not complete"
            cell.setdefault("outputs", []).append(
                nbformat.v4.new_output(
                    "error", ename="NotGraded", evalue=reason, traceback=[f"NotGraded: {reason}"]
                )
            )
    return notebook
