"""The expression language: precedence, programs, literals, and every syntax error."""
import numpy as np
import pytest

import diffx
from diffx.lexer import tokenize
from diffx.parser import parse_constant


def shape_of(src: str) -> str:
    """The graph as a nested op expression, e.g. mul(const, dot(x, x))."""
    g = diffx.parse(src)
    text = {}
    for n in g.nodes:
        if n.op == "var":
            text[n.id] = n.label
        elif n.op == "const":
            v = n.params["value"]
            text[n.id] = f"{float(v):g}" if v.ndim == 0 else "const"
        else:
            text[n.id] = f"{n.op}({', '.join(text[i] for i in n.inputs)})"
    return text[g.output]


@pytest.mark.parametrize("src, tree", [
    ("-x^2", "neg(pow(x, 2))"),
    ("2^3^2", "pow(2, pow(3, 2))"),
    ("2*x.x", "mul(2, dot(x, x))"),
    ("a.b*c", "mul(dot(a, b), c)"),
    ("a@b.c", "matmul(a, dot(b, c))"),
    ("x.T", "transpose(x)"),
    ("a.b.T", "dot(a, transpose(b))"),
    ("a - b - c", "sub(sub(a, b), c)"),
    ("a / b / c", "div(div(a, b), c)"),
    ("a + b * c", "add(a, mul(b, c))"),
    ("(a + b) * c", "mul(add(a, b), c)"),
    ("-a.b", "dot(neg(a), b)"),
    ("2^-1", "pow(2, -1)"),
    ("a ** b ** c", "pow(a, pow(b, c))"),
    ("a < b + 1", "lt(a, add(b, 1))"),
    ("a * b @ c", "matmul(mul(a, b), c)"),
    ("x[0]^2", "pow(index(x), 2)"),
    ("sin(x)^2", "pow(sin(x), 2)"),
    ("-2", "-2"),
    ("2.x", "dot(2, x)"),
    ("1e-3*x", "mul(0.001, x)"),
    (".5*x", "mul(0.5, x)"),
])
def test_precedence(src, tree):
    assert shape_of(src) == tree


def test_numbers_and_constants():
    assert diffx.evaluate("2.5 + .5 + 1e-3") == pytest.approx(3.001)
    assert diffx.evaluate("pi") == pytest.approx(np.pi)
    assert diffx.evaluate("e") == pytest.approx(np.e)


def test_array_literals():
    assert diffx.evaluate("[[1, 2], [3, 4]]").tolist() == [[1, 2], [3, 4]]
    assert diffx.evaluate("[x[0], 5*x[2], x[1]^2]", x=[1, 2, 3]).tolist() == [1, 15, 4]
    g = diffx.grad("sum([x[0], 5*x[2], x[1]^2])", x=[1, 2, 3])["x"]
    assert g.tolist() == [1, 4, 5]


def test_literal_of_constants_is_one_node():
    g = diffx.parse("[[1, 2], [3, 4]]")
    assert len(g.nodes) == 1 and g.nodes[0].op == "const"


def test_program_bindings_label_nodes_and_shadow():
    g = diffx.parse("h = W@X + b; mean(sigmoid(h))")
    assert [n.label for n in g.nodes if n.label] == ["W", "X", "b", "h"]
    assert diffx.evaluate("a = 2; a = a * 3; a + 1") == 7
    assert diffx.evaluate("y = x * 2\n y + 1", x=1.0) == 3


def test_newlines_inside_brackets_are_space():
    assert diffx.evaluate("sum([1,\n 2,\n 3])") == 6


def test_comments():
    assert diffx.evaluate("a = 2  # two\na * 3") == 6


def test_index_and_slices():
    x = [10.0, 11.0, 12.0, 13.0]
    assert diffx.evaluate("x[1:3]", x=x).tolist() == [11, 12]
    assert diffx.evaluate("x[-1]", x=x) == 13
    assert diffx.evaluate("x[::2]", x=x).tolist() == [10, 12]
    assert diffx.evaluate("A[0, 1]", A=[[1, 2], [3, 4]]) == 2
    assert diffx.evaluate("A[:, 0]", A=[[1, 2], [3, 4]]).tolist() == [1, 3]


def test_keyword_axis_and_reshape():
    A = [[1.0, 2.0], [3.0, 4.0]]
    assert diffx.evaluate("sum(A, axis=0)", A=A).tolist() == [4, 6]
    assert diffx.evaluate("max(A, axis=1)", A=A).tolist() == [2, 4]
    assert diffx.evaluate("reshape(x, 2, 2)", x=[1, 2, 3, 4]).shape == (2, 2)
    assert len(diffx.parse("sum(x, axis=0)").nodes) == 2  # the axis is a param, not a node


def test_max_min_by_arity():
    assert diffx.parse("max(x)").nodes[-1].op == "amax"
    assert diffx.parse("max(a, b)").nodes[-1].op == "maximum"
    assert diffx.parse("min(a, b)").nodes[-1].op == "minimum"


def test_stop_gradient_alias():
    assert diffx.parse("stop_gradient(x)").nodes[-1].op == "detach"


def test_constant_values():
    assert parse_constant("arange(4)").tolist() == [0, 1, 2, 3]
    assert parse_constant("linspace(-1, 1, 5)").tolist() == [-1, -0.5, 0, 0.5, 1]
    assert parse_constant("ones(2, 2)").shape == (2, 2)
    assert parse_constant("eye(3)").tolist() == np.eye(3).tolist()
    assert parse_constant("zeros(3)").tolist() == [0, 0, 0]
    assert parse_constant("-pi/2") == pytest.approx(-np.pi / 2)
    a = parse_constant("randn(4, 5)", rng=np.random.default_rng(0))
    b = parse_constant("randn(4, 5)", rng=np.random.default_rng(0))
    assert a.shape == (4, 5) and np.array_equal(a, b)
    assert 0 <= parse_constant("rand(3)").min()


def test_spans_point_into_the_source():
    src = "a = x*2; sin(a) + 1"
    g = diffx.parse(src)
    assert [g.text(n) for n in g.nodes] == ["x", "2", "x*2", "sin(a)", "1", "sin(a) + 1"]
    assert all(tok.start < tok.end for tok in tokenize(src)[:-1])


@pytest.mark.parametrize("src, message, caret", [
    ("2*x.", "expected an expression after '.', found end of input", 4),
    ("sin(x", "expected ',' or ')' to close '(' at column 4, found end of input", 5),
    ("x +* y", "expected an expression after '+', found '*'", 3),
    ("2x", "a number cannot be followed directly by a name: write 2*x", 0),
    ("", "empty expression", 0),
    ("   ", "empty expression", 0),
    ("(x", "expected ')' to close '(' at column 1", 2),
    ("x)", "unexpected ')'", 1),
    ("x $ y", "unexpected character '$'", 2),
    ("[]", "empty array literal", 0),
    ("sum(x,)", "expected an expression after '(', found ')'", 6),
    ("a = ", "expected an expression after '=', found end of input", 4),
    ("sin = 2; x", "cannot bind 'sin': it is a function name", 0),
    ("x; y", "only the last statement can be a bare expression", 3),
    ("a = x*2", "the program ends with an assignment; end it with the output expression, e.g. a", 7),
    ("sin", "'sin' is a function: call it, as in sin(...)", 0),
    ("x[1.5]", "an index must be an integer, got 1.5", 2),
    ("sum(x, axis=y)", "'y' is a variable, but a constant is needed here", 12),
    ("sum(x, foo=1)", "sum has no argument 'foo'", 7),
    ("__import__('os').system('echo hacked')", "unknown function '__import__'", 0),
    ("f(x) + 'text", "unexpected character \"'\" (a text in quotes, as einsum's subscripts, ends on the same line)",
     7),
    ("__import__(os)", "unknown function '__import__'", 0),
    ("[[1, 2], [3]]", "array elements must all have the same shape, got (2,), (1,)", 0),
])
def test_syntax_errors(src, message, caret):
    with pytest.raises(diffx.DiffxError) as info:
        diffx.parse(src)
    assert message in info.value.message
    assert info.value.span[0] == caret
    assert info.value.source == src


def test_unknown_function_suggests_closest():
    with pytest.raises(diffx.UnknownNameError, match="did you mean 'sinh'"):
        diffx.parse("sinhh(x)")
    with pytest.raises(diffx.UnknownNameError, match="did you mean 'sqrt'"):
        diffx.parse("sqr(x)")


def test_wrong_argument_count():
    with pytest.raises(diffx.ParseError, match="sin takes 1 argument, got 2"):
        diffx.parse("sin(x, y)")
    with pytest.raises(diffx.ParseError, match="max takes 1 or 2 arguments, got 3"):
        diffx.parse("max(a, b, c)")


def test_nothing_executes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for src in ["__import__('os').system('touch hacked')", "exec('open(\"hacked\",\"w\")')",
                "eval('1')", "().__class__", "open(x)"]:
        with pytest.raises(diffx.DiffxError):
            diffx.parse(src)
    assert not (tmp_path / "hacked").exists()
    # a dunder name is only a variable name here: x.__class__ is the dot product of two variables
    assert [n.op for n in diffx.parse("x.__class__").nodes] == ["var", "var", "dot"]


def test_length_limit_names_the_limit():
    with pytest.raises(diffx.LimitError, match="100,000"):
        diffx.parse("x+" * 50_001 + "x")


def test_deep_nesting_is_a_clean_error():
    with pytest.raises(diffx.LimitError, match="nesting deeper than 100 levels"):
        diffx.parse("(" * 10_000 + "x" + ")" * 10_000)
    with pytest.raises(diffx.LimitError):
        diffx.parse("-" * 5000 + "x")
    with pytest.raises(diffx.LimitError):
        diffx.parse("2^" * 5000 + "2")
    assert diffx.evaluate("(" * 90 + "1" + ")" * 90) == 1


def test_generator_size_limit():
    with pytest.raises(diffx.LimitError, match="10,000,000,000 elements"):
        diffx.parse("randn(100000, 100000)")
