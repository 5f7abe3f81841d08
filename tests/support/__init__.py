"""Helpers shared by the tests: the git-repository helper and the CLI runner."""
