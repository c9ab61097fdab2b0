#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs the course from the snapshot shipped in the zip's dlcourse/ folder
# (`git archive` of a tag, see README.md), so every submission is graded by exactly
# that version of the grader, its hidden tests and its pinned dependencies.
set -euo pipefail

COURSE_DIR=/autograder/source/dlcourse
VENV=/opt/dlcourse-venv

if [ ! -f "$COURSE_DIR/pyproject.toml" ]; then
    echo "error: no $COURSE_DIR/pyproject.toml: put the course snapshot in dlcourse/" \
        "at the root of the zip (see README.md)" >&2
    exit 1
fi

# Ubuntu 24.04 ships Python 3.12; on 22.04 it comes from the deadsnakes PPA.
if ! apt-cache show python3.12 >/dev/null 2>&1; then
    apt-get install -y --no-install-recommends software-properties-common
    add-apt-repository -y ppa:deadsnakes/ppa
    apt-get update
fi
apt-get install -y --no-install-recommends python3.12 python3.12-venv

python3.12 -m venv "$VENV"
"$VENV/bin/python" -m pip install --no-cache-dir --upgrade pip
"$VENV/bin/python" -m pip install --no-cache-dir "$COURSE_DIR"
# Fail the image build, not the first submission, if the install is broken.
DLCOURSE_ROOT="$COURSE_DIR" "$VENV/bin/dlcourse" grade --help >/dev/null
