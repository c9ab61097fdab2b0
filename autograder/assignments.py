"""Where assignments live, and how a name on the command line picks one."""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Assignment:
    """One assignment: its jupytext sources in solutions/ and its release in assignments/.

    Attributes:
        id: the folder name, e.g. "a01_autodiff".
        root: the course repository's root.
    """

    id: str
    root: Path

    @property
    def source_dir(self) -> Path:
        return self.root / "solutions" / self.id

    @property
    def release_dir(self) -> Path:
        return self.root / "assignments" / self.id

    @property
    def sources(self) -> list[Path]:
        """The notebook sources: every `*.py` jupytext script of the assignment."""
        return sorted(p for p in self.source_dir.glob("*.py") if p.stem != "mutants")

    @property
    def notebook_names(self) -> list[str]:
        return [f"{p.stem}.ipynb" for p in self.sources]

    @property
    def mutants_file(self) -> Path:
        return self.source_dir / "mutants.toml"


def course_root() -> Path:
    """The course repository: `DLCOURSE_ROOT`, else the nearest parent of the working
    directory that has a solutions/ folder, else the checkout this package lives in."""
    if "DLCOURSE_ROOT" in os.environ:
        return Path(os.environ["DLCOURSE_ROOT"]).resolve()
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "solutions").is_dir() and (folder / "autograder").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


def discover(root: Path | None = None) -> list[Assignment]:
    """All assignments, in order of their ids."""
    root = root or course_root()
    folders = (
        sorted(p for p in (root / "solutions").iterdir() if p.is_dir())
        if (root / "solutions").is_dir()
        else []
    )
    return [Assignment(p.name, root) for p in folders if any(p.glob("*.py"))]


def resolve(names: list[str] | tuple[str, ...] = (), root: Path | None = None) -> list[Assignment]:
    """Assignments named by id or unambiguous prefix ("a01"); all of them if none named."""
    available = discover(root)
    if not names:
        return available
    chosen = []
    for name in names:
        exact = [a for a in available if a.id == name]
        matches = exact or [a for a in available if a.id.startswith(name)]
        if len(matches) != 1:
            known = ", ".join(a.id for a in available) or "none"
            problem = "matches several assignments" if matches else "matches no assignment"
            raise SystemExit(f"error: '{name}' {problem}; known assignments: {known}")
        chosen.append(matches[0])
    return chosen
