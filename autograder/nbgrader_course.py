"""A working nbgrader course directory built from our sources.

nbgrader does the real work (generate_assignment, autograde, generate_feedback and
the gradebook); this module only lays out its folders, writes its configuration, and
adds our steps to its preprocessor chains.
"""

import shutil
import warnings
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from autograder.assignments import Assignment
from autograder.notebooks import read_source, write_notebook
from autograder.preprocessors import (
    DemoteStderr,
    FeedbackWithoutTestOutput,
    ReplayOutputs,
    ScrubHiddenTestEcho,
    ShortenTestTracebacks,
)

# nbgrader 0.9's gradebook triggers SQLAlchemy 2 autoflush warnings; they are harmless.
warnings.filterwarnings("ignore", category=SAWarning)


class NbgraderCourse:
    """An nbgrader course rooted at `root`, with its gradebook at `db_url`.

    Args:
        root: the course directory (source/, release/, submitted/, autograded/, feedback/).
        db_url: any SQLAlchemy URL; default a SQLite file `root/gradebook.db`.
    """

    def __init__(self, root: Path, db_url: str | None = None) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url or f"sqlite:///{self.root / 'gradebook.db'}"
        self.executed_dir = self.root / "executed"
        self.config = self._config()
        self.api = NbGraderAPI(CourseDirectory(config=self.config), config=self.config)

    def _config(self) -> Config:
        config = Config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.db_url = self.db_url
        # Nothing runs inside nbgrader: `dlcourse grade` executes every notebook in a
        # sandbox first, and ReplayOutputs hands nbgrader those outputs.
        config.ReplayOutputs.executed_dir = str(self.executed_dir)
        config.Autograde.autograde_preprocessors = [
            ReplayOutputs,
            DemoteStderr,
            IgnorePattern,
            ClearMetadataPreprocessor,
            LimitOutput,
            SaveAutoGrades,
            AssignLatePenalties,
            CheckCellMetadata,
        ]
        # Feedback shows hidden tests by name, points and message, never their source.
        config.GenerateFeedback.preprocessors = [
            GetGrades,
            FeedbackWithoutTestOutput,
            ShortenTestTracebacks,
            ScrubHiddenTestEcho,  # after tracebacks are cut to their message
            ClearHiddenTests,
            CSSHTMLHeaderPreprocessor,
        ]
        return config

    def add_source(self, assignment: Assignment) -> Path:
        """Writes the assignment's source notebooks (and data files) into source/."""
        folder = self.root / "source" / assignment.id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for source in assignment.sources:
            write_notebook(read_source(source), folder / f"{source.stem}.ipynb")
        for extra in assignment.source_dir.iterdir():
            if extra.is_file() and extra.suffix not in {".py", ".toml", ".pyc"}:
                shutil.copy(extra, folder / extra.name)
        return folder

    def generate(self, assignment: Assignment) -> Path:
        """`nbgrader generate_assignment`: the student version, and the gradebook entry."""
        self.add_source(assignment)
        result = self.api.generate_assignment(assignment.id, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(
                f"nbgrader generate_assignment failed for {assignment.id}:\n"
                f"{result.get('log', '')}{result.get('error', '')}"
            )
        return self.root / "release" / assignment.id

    def submission_dir(self, assignment: Assignment, student: str) -> Path:
        return self.root / "submitted" / student / assignment.id

    def autograde(self, assignment: Assignment, student: str) -> dict:
        """`nbgrader autograde` for one student; nbgrader's result dict."""
        return self.api.autograde(assignment.id, student, force=True, create=True)

    def autograded_notebook(self, assignment: Assignment, student: str, name: str) -> Path:
        return self.root / "autograded" / student / assignment.id / name

    def generate_feedback(self, assignment: Assignment, student: str) -> dict:
        return self.api.generate_feedback(assignment.id, student, force=True)

    def feedback_dir(self, assignment: Assignment, student: str) -> Path:
        return self.root / "feedback" / student / assignment.id
