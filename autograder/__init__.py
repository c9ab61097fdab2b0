"""Instructor tooling behind the `dlcourse` command: release, check, grade, verify, demo."""
