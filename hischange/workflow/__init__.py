"""The rules of the workflow, pure: decide_* and evolve per aggregate, and the projector."""
