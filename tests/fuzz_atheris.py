"""Coverage-guided byte fuzzing of the parser and the value reader with atheris (libFuzzer).

    python tests/fuzz_atheris.py -runs=100000 -seed=1

Any exception other than a DiffxError is a crash and stops the run with a non-zero status.
"""
import sys

import atheris

with atheris.instrument_imports():
    import diffx
    from diffx.point import read_at


def one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        graph = diffx.parse(text)
        values = {name: 0.5 for name in graph.variables}
        if len(values) <= 3:
            diffx.evaluate(graph, values)
    except diffx.DiffxError:
        pass
    try:
        read_at([text], ["x"], rng=None)
    except diffx.DiffxError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
