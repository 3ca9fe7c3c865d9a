"""``python -m pipeline``: the same as the ``puente`` command."""

from pipeline.cli import entry

if __name__ == "__main__":
    entry()
